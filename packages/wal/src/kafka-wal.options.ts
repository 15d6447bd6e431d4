import type { RetryDelayGetter } from '@platformatic/kafka';
import { WalArgumentError } from './errors.js';
import { describeError } from './kafka-errors.js';
import { DEFAULT_TAIL_LIMITS, type TailLimits, type WalLogger } from './wal.js';
import { checkPositiveIntegers, consoleWalLogger } from './wal-front.js';

/** Options of {@link KafkaWal.open}. Durations are milliseconds. */
export interface KafkaWalOptions extends Partial<TailLimits> {
  /** Bootstrap brokers, "host:port". */
  brokers: readonly string[];
  /** The WAL topic is `<topicPrefix>.wal`. */
  topicPrefix: string;
  /**
   * Partitions of the WAL topic, used to create it. An existing topic must have exactly this many:
   * the collection → partition map depends on it. Default 8.
   */
  partitions?: number;
  /** Replication factor used to create the topic (production: 3). Default 1. */
  replicationFactor?: number;
  /** The topic's `min.insync.replicas` (production: 2). Default 1. */
  minInsyncReplicas?: number;
  /** The partitions this instance reads and answers pulls for. Default: all. */
  servedPartitions?: readonly number[];
  /**
   * Largest encoded batch accepted (bytes). The topic's `max.message.bytes` is set above it when
   * the topic is created. Default 32 MiB.
   */
  maxBatchBytes?: number;
  /** Deadline of an append (and of a cursor move or purge write). Default 15 s. */
  appendTimeoutMs?: number;
  /** How long a pull (or collectionsToCompact) waits for the reader. Default 30 s. */
  pullTimeoutMs?: number;
  /** Deadline of one broker request (scout, offsets, truncation). Default 10 s. */
  requestTimeoutMs?: number;
  /** Deadline of `open`: topic check and catching up with the partitions. Default 120 s. */
  openTimeoutMs?: number;
  /** Truncate partitions (DeleteRecords) when cursors allow it. Default true. */
  truncate?: boolean;
  /** Kafka client id prefix. Default "huedb-wal". */
  clientId?: string;
  /** Default: console, prefixed "[huedb/wal]". */
  logger?: WalLogger;
  /** The clock tail ages are measured against (collectionsToCompact), Unix ms. Default Date.now. */
  clock?: () => number;
}

/** {@link KafkaWalOptions} with every default filled in, checked. */
export type ResolvedKafkaWalOptions = Required<Omit<KafkaWalOptions, 'servedPartitions'>> & {
  servedPartitions: readonly number[] | undefined;
};

/** Backoff between the Kafka client's own retries of a request. */
export const retryDelay: RetryDelayGetter = (_client, _op, attempt) =>
  Math.min(100 * 2 ** attempt, 1000);

/** Fills in the defaults and checks every option; WalArgumentError on a bad one. */
export function resolveKafkaWalOptions(options: KafkaWalOptions): ResolvedKafkaWalOptions {
  const resolved: ResolvedKafkaWalOptions = {
    brokers: options.brokers,
    topicPrefix: options.topicPrefix,
    partitions: options.partitions ?? 8,
    replicationFactor: options.replicationFactor ?? 1,
    minInsyncReplicas: options.minInsyncReplicas ?? 1,
    servedPartitions: options.servedPartitions,
    maxTailRecords: options.maxTailRecords ?? DEFAULT_TAIL_LIMITS.maxTailRecords,
    maxTailBytes: options.maxTailBytes ?? DEFAULT_TAIL_LIMITS.maxTailBytes,
    maxBatchBytes: options.maxBatchBytes ?? 32 * 1024 * 1024,
    appendTimeoutMs: options.appendTimeoutMs ?? 15_000,
    pullTimeoutMs: options.pullTimeoutMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    openTimeoutMs: options.openTimeoutMs ?? 120_000,
    truncate: options.truncate ?? true,
    clientId: options.clientId ?? 'huedb-wal',
    logger: options.logger ?? consoleWalLogger(describeError),
    clock: options.clock ?? Date.now,
  };
  if (resolved.brokers.length === 0) throw new WalArgumentError('no Kafka brokers given');
  if (!/^[a-zA-Z0-9._-]+$/.test(resolved.topicPrefix) || resolved.topicPrefix.length > 240) {
    throw new WalArgumentError(`invalid topic prefix "${resolved.topicPrefix}"`);
  }
  const { partitions, replicationFactor, minInsyncReplicas, maxTailRecords, maxTailBytes } =
    resolved;
  const { maxBatchBytes, appendTimeoutMs, pullTimeoutMs, requestTimeoutMs, openTimeoutMs } =
    resolved;
  checkPositiveIntegers({
    partitions,
    replicationFactor,
    minInsyncReplicas,
    maxTailRecords,
    maxTailBytes,
    maxBatchBytes,
    appendTimeoutMs,
    pullTimeoutMs,
    requestTimeoutMs,
    openTimeoutMs,
  });
  for (const p of resolved.servedPartitions ?? []) {
    if (!Number.isInteger(p) || p < 0 || p >= resolved.partitions) {
      throw new WalArgumentError(`served partition ${p} is not in [0, ${resolved.partitions})`);
    }
  }
  return resolved;
}
