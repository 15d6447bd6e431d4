import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  FetchIsolationLevels,
  IS_CONTROL,
  ListOffsetTimestamps,
  ProduceAcks,
  Producer,
  type RetryDelayGetter,
} from '@platformatic/kafka';
import type { CollectionTail, PositionedBatch } from '@huedb/proto/log';
import { OffsetWaiters, pause, withDeadline } from './deadline.js';
import {
  BackoffError,
  PartitionNotServedError,
  WalArgumentError,
  WalClosedError,
  WalError,
  WalTimeoutError,
  WalUnavailableError,
} from './errors.js';
import { GroupCommitProducer } from './group-commit-producer.js';
import { describeError, isKafkaError } from './kafka-errors.js';
import {
  assertCollectionId,
  assertNotCompacted,
  consoleWalLogger,
  oldestTailFirst,
} from './wal-common.js';
import {
  decodeWalMessage,
  encodeBatch,
  encodeCursor,
  encodePurge,
  type OutgoingMessage,
} from './kafka-message.mapper.js';
import { PartitionTails, type TailSize } from './partition-tails.js';
import { partitionForCollection } from './partitioner.js';
import {
  DEFAULT_TAIL_LIMITS,
  type LogRecordInit,
  type PullOptions,
  type TailLimits,
  type WalLogger,
  type WriteAheadLog,
} from './wal.js';

export type { WalLogger };

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
}

type ResolvedOptions = Required<Omit<KafkaWalOptions, 'servedPartitions'>> & {
  servedPartitions: readonly number[] | undefined;
};

type FetchResponsePartition = Awaited<
  ReturnType<Consumer['fetch']>
>['responses'][number]['partitions'][number];

/** Room above the largest batch in the `max.message.bytes` of a topic this instance creates. */
const ENVELOPE_BYTES = 1024 * 1024;
/** What a record batch needs beyond its messages' values, at most (headers, keys, framing). */
const RECORD_BATCH_OVERHEAD_BYTES = 64 * 1024;
/** A fetch waits this long for new data before returning empty (long poll). */
const FETCH_MAX_WAIT_MS = 500;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const FETCH_PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const retryDelay: RetryDelayGetter = (_client, _op, attempt) => Math.min(100 * 2 ** attempt, 1000);

/** The state of a partition this instance serves. */
interface ServedPartition {
  readonly partition: number;
  readonly tails: PartitionTails;
  readonly waiters: OffsetWaiters;
  /** Appends of this instance that are acknowledged but not yet applied by the reader. */
  unapplied: { offset: bigint; collectionId: string; size: TailSize }[];
  truncation: Promise<void> | undefined;
  truncateAgain: boolean;
}

/**
 * The write-ahead log on Kafka (docs/architecture.md, "log"; design notes in README.md).
 *
 * One topic `<prefix>.wal`; a collection's batches, cursor moves and purges are messages keyed by
 * the collection id in partition `murmur2(id) mod P`. An append is one message, produced with an
 * idempotent acks=all producer; its position is the message's offset. Each instance reads the
 * partitions it serves from their log start with a manual fetch loop (read_committed, no consumer
 * group) into a {@link PartitionTails} per partition — the tails, and the cursors, which live in
 * the same partition so every instance derives the same state from it. `scout` asks the broker
 * for the high-water mark; `pull` waits until the reader has passed its bound. When cursors move,
 * a partition is truncated (DeleteRecords) up to its oldest uncompacted batch.
 */
export class KafkaWal implements WriteAheadLog {
  /** The WAL topic. */
  readonly topic: string;
  /** Its partition count. */
  readonly partitionCount: number;
  /** The partitions this instance serves, ascending. */
  readonly servedPartitions: readonly number[];

  readonly #options: ResolvedOptions;
  readonly #logger: WalLogger;
  readonly #admin: Admin;
  readonly #consumer: Consumer;
  readonly #producer: GroupCommitProducer;
  readonly #partitions = new Map<number, ServedPartition>();
  /** Per collection: appends accepted by this instance and not yet applied by the reader. */
  readonly #pending = new Map<string, TailSize>();
  readonly #stopReader = new AbortController();
  /** The largest batch accepted: maxBatchBytes, or less if an existing topic allows less. */
  #maxBatchBytes: number;
  #reader: Promise<void> | undefined;
  #readerStopped = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#maxBatchBytes = options.maxBatchBytes;
    this.#logger = options.logger;
    this.topic = `${options.topicPrefix}.wal`;
    this.partitionCount = options.partitions;
    this.servedPartitions = [
      ...new Set(
        options.servedPartitions ?? Array.from({ length: options.partitions }, (_, i) => i),
      ),
    ].sort((a, b) => a - b);
    const base = {
      bootstrapBrokers: [...options.brokers],
      timeout: options.requestTimeoutMs,
      connectTimeout: Math.min(options.requestTimeoutMs, 5_000),
      retries: 3,
      retryDelay,
    };
    this.#admin = new Admin({ ...base, clientId: `${options.clientId}-admin` });
    this.#consumer = new Consumer({
      ...base,
      clientId: `${options.clientId}-reader`,
      // Required by the client; the reader never joins a group (it fetches partitions by hand).
      groupId: `${options.clientId}-reader`,
      retries: 1,
    });
    this.#producer = new GroupCommitProducer({
      topic: this.topic,
      timeoutMs: options.appendTimeoutMs,
      maxGroupBytes: options.maxBatchBytes,
      logger: this.#logger,
      createProducer: () =>
        new Producer({
          ...base,
          clientId: `${options.clientId}-producer`,
          idempotent: true,
          acks: ProduceAcks.ALL,
          // The client retries a produce request with the same producer id and sequence number,
          // so a retry is never stored twice: keep retrying (through a broker restart or a leader
          // change) for as long as the append's deadline allows, rather than failing early and
          // leaving the caller to retry with a new producer, which could duplicate the batch.
          retries: Math.ceil(options.appendTimeoutMs / 1000) + 1,
        }),
    });
  }

  /**
   * Connects, creates the topic if it is missing, reads every served partition from its log start
   * until it has caught up with the end the broker reported at start (recovery), and starts
   * following. Rejects (having released everything) if that does not finish within
   * `openTimeoutMs`, e.g. when no broker answers.
   */
  static async open(options: KafkaWalOptions): Promise<KafkaWal> {
    const wal = new KafkaWal(resolveOptions(options));
    const started = Date.now();
    try {
      await withDeadline(
        wal.#start(),
        wal.#options.openTimeoutMs,
        `opening the WAL on ${wal.topic}`,
      );
    } catch (err) {
      await wal.close().catch(() => {});
      throw err;
    }
    wal.#logger.info(
      `${wal.topic}: serving partitions ${wal.servedPartitions.join(',')} of ` +
        `${wal.partitionCount}, caught up in ${Date.now() - started} ms`,
    );
    return wal;
  }

  /** The partition that holds a collection's log. */
  partitionOf(collectionId: string): number {
    return partitionForCollection(collectionId, this.partitionCount);
  }

  async append(collectionId: string, records: readonly LogRecordInit[]): Promise<bigint> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    if (records.length === 0) throw new WalArgumentError('a batch needs at least one record');
    let message: OutgoingMessage;
    try {
      message = encodeBatch(collectionId, records);
    } catch (err) {
      throw new WalArgumentError(`the records cannot be encoded: ${describeError(err)}`, {
        cause: err,
      });
    }
    if (message.value.length > this.#maxBatchBytes) {
      throw new WalArgumentError(
        `the batch is ${message.value.length} bytes encoded, over the limit of ` +
          `${this.#maxBatchBytes}; split it`,
      );
    }
    const partition = this.partitionOf(collectionId);
    const served = this.#partitions.get(partition);
    const size: TailSize = { records: records.length, bytes: message.value.length };
    // Without the partition's tail this instance cannot judge backpressure; an instance that
    // serves it will refuse appends once the tail is visible there.
    if (served) this.#admit(served, collectionId);
    this.#reserve(collectionId, size, 1);
    let offset: bigint;
    try {
      offset = await this.#producer.send(partition, message);
    } catch (err) {
      this.#reserve(collectionId, size, -1);
      throw err;
    }
    // Keep counting the batch against the tail until the reader has applied it.
    if (served && served.tails.nextOffset <= offset) {
      served.unapplied.push({ offset, collectionId, size });
    } else {
      this.#reserve(collectionId, size, -1);
    }
    return offset;
  }

  async scout(collectionId: string): Promise<bigint> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    const partition = this.partitionOf(collectionId);
    return (await this.#offsets([partition], ListOffsetTimestamps.LATEST)).get(partition)!;
  }

  async pull(
    collectionId: string,
    from: bigint,
    to: bigint,
    options: PullOptions = {},
  ): Promise<PositionedBatch[]> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    if (from < 0n || to < from) {
      throw new WalArgumentError(`invalid range [${from}, ${to}): need 0 <= from <= to`);
    }
    const maxRecords = options.maxRecords ?? 0;
    if (!Number.isInteger(maxRecords) || maxRecords < 0) {
      throw new WalArgumentError(`maxRecords must be a non-negative integer, got ${maxRecords}`);
    }
    const served = this.#served(collectionId);
    if (from === to) return [];
    await this.#waitForReader(served, to, 'pull', options.signal);
    assertNotCompacted(served.tails.compactedTo(collectionId), collectionId, from);
    return served.tails.pull(collectionId, from, to, maxRecords);
  }

  async collectionsToCompact(minRecords: number, minAgeMs: number): Promise<CollectionTail[]> {
    this.#assertOpen();
    if (!(minRecords >= 0) || !(minAgeMs >= 0)) {
      throw new WalArgumentError('minRecords and minAgeMs must be >= 0');
    }
    // Wait until the reader has seen everything acknowledged before the call — appends, cursor
    // moves and purges made through any instance — so a compactor never re-compacts a tail it
    // just compacted through another instance.
    const ends = await this.#offsets(this.servedPartitions, ListOffsetTimestamps.LATEST);
    await Promise.all(
      [...this.#partitions.values()].map((served) =>
        this.#waitForReader(served, ends.get(served.partition)!, 'collectionsToCompact'),
      ),
    );
    const now = Date.now();
    const result: CollectionTail[] = [];
    for (const served of this.#partitions.values()) {
      for (const tail of served.tails.tails()) {
        if (
          Number(tail.recordCount) >= minRecords ||
          now - Number(tail.firstAppendedAtMs) >= minAgeMs
        ) {
          result.push(tail);
        }
      }
    }
    return result.sort(oldestTailFirst);
  }

  async advanceCursor(collectionId: string, position: bigint): Promise<void> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    if (position < 0n) throw new WalArgumentError(`invalid cursor ${position}`);
    const partition = this.partitionOf(collectionId);
    const served = this.#partitions.get(partition);
    if (served && position <= served.tails.cursorOf(collectionId)) return;
    const end = (await this.#offsets([partition], ListOffsetTimestamps.LATEST)).get(partition)!;
    if (position > end) {
      throw new WalArgumentError(
        `cursor ${position} of collection ${collectionId} is beyond the end of its log (${end})`,
      );
    }
    const offset = await this.#producer.send(partition, encodeCursor(collectionId, position));
    if (served) await this.#waitForReader(served, offset + 1n, 'advanceCursor');
  }

  async purge(collectionId: string): Promise<void> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    const partition = this.partitionOf(collectionId);
    const offset = await this.#producer.send(partition, encodePurge(collectionId));
    const served = this.#partitions.get(partition);
    if (served) await this.#waitForReader(served, offset + 1n, 'purge');
  }

  /**
   * Truncates every served partition now, as far as the cursors allow, and returns each one's
   * log start offset afterwards. (The log also does this by itself whenever a cursor moves; this
   * is for operators and tests.)
   */
  async truncate(): Promise<Map<number, bigint>> {
    this.#assertOpen();
    const result = new Map<number, bigint>();
    for (const served of this.#partitions.values()) {
      while (served.truncation) await served.truncation;
      await this.#truncatePartition(served);
      result.set(served.partition, served.tails.logStartOffset);
    }
    return result;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    // Appends already accepted finish (each within its deadline) before anything is torn down.
    await this.#producer.close();
    this.#stopReader.abort();
    await this.#reader;
    this.#readerStopped = true;
    for (const served of this.#partitions.values()) {
      served.waiters.rejectAll(new WalClosedError());
    }
    await Promise.all([...this.#partitions.values()].flatMap((served) => served.truncation ?? []));
    await Promise.allSettled([this.#consumer.close(), this.#admin.close()]);
  }

  async #start(): Promise<void> {
    await this.#ensureTopic();
    this.#assertOpen();
    const starts = await this.#offsets(this.servedPartitions, ListOffsetTimestamps.EARLIEST);
    this.#assertOpen();
    for (const partition of this.servedPartitions) {
      this.#partitions.set(partition, {
        partition,
        tails: new PartitionTails(starts.get(partition)!),
        waiters: new OffsetWaiters(),
        unapplied: [],
        truncation: undefined,
        truncateAgain: false,
      });
    }
    this.#reader = this.#runReader();
    const ends = await this.#offsets(this.servedPartitions, ListOffsetTimestamps.LATEST);
    await Promise.all(
      [...this.#partitions.values()].map((served) =>
        this.#waitForReader(served, ends.get(served.partition)!, 'recovery', undefined, {
          timeoutMs: this.#options.openTimeoutMs,
        }),
      ),
    );
    // A truncation that failed or was cut short by a restart is retried now.
    for (const served of this.#partitions.values()) this.#scheduleTruncation(served);
  }

  /** Creates the topic if missing and waits until every partition has a leader. */
  async #ensureTopic(): Promise<void> {
    const o = this.#options;
    try {
      await this.#admin.createTopics({
        topics: [this.topic],
        partitions: o.partitions,
        replicas: o.replicationFactor,
        configs: [
          // Never lose uncompacted data: nothing expires; only the log itself truncates.
          { name: 'retention.ms', value: '-1' },
          { name: 'retention.bytes', value: '-1' },
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'min.insync.replicas', value: String(o.minInsyncReplicas) },
          { name: 'unclean.leader.election.enable', value: 'false' },
          { name: 'max.message.bytes', value: String(o.maxBatchBytes + ENVELOPE_BYTES) },
          { name: 'message.timestamp.type', value: 'CreateTime' },
        ],
      });
      this.#logger.info(
        `created topic ${this.topic} (${o.partitions} partitions, replication ` +
          `${o.replicationFactor}, min.insync.replicas ${o.minInsyncReplicas})`,
      );
    } catch (err) {
      if (!isKafkaError(err, 'TOPIC_ALREADY_EXISTS')) {
        throw new WalUnavailableError(
          `creating topic ${this.topic} failed: ${describeError(err)}`,
          {
            cause: err,
          },
        );
      }
    }
    await this.#fitBatchesToTopic();
    let lastProblem = '';
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        const metadata = await this.#admin.metadata({ topics: [this.topic], forceUpdate: true });
        const topic = metadata.topics.get(this.topic);
        if (topic && topic.partitionsCount !== o.partitions) {
          throw new WalArgumentError(
            `topic ${this.topic} has ${topic.partitionsCount} partitions, but this instance is ` +
              `configured for ${o.partitions}; the partition count of a WAL topic must never change`,
          );
        }
        if (topic && topic.partitions.every((p) => p.leader >= 0)) return;
        lastProblem = 'not every partition has a leader yet';
      } catch (err) {
        if (err instanceof WalError) throw err;
        lastProblem = describeError(err);
      }
      if (attempt % 20 === 19) this.#logger.warn(`waiting for topic ${this.topic}: ${lastProblem}`);
      await pause(100, this.#stopReader.signal);
    }
    throw new WalClosedError();
  }

  /**
   * A topic created earlier (or by someone else) may accept smaller messages than this instance
   * is configured for: then batches are limited to what it accepts, so an oversized append is
   * refused up front (INVALID_ARGUMENT) instead of failing in the broker, and group commits never
   * build a record batch the topic would reject.
   */
  async #fitBatchesToTopic(): Promise<void> {
    let topicMax: number;
    try {
      const [described] = await this.#admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: this.topic,
            configurationKeys: ['max.message.bytes'],
          },
        ],
      });
      topicMax = Number(described?.configs.find((c) => c.name === 'max.message.bytes')?.value);
    } catch (err) {
      this.#logger.warn(`could not read max.message.bytes of ${this.topic}`, err);
      return;
    }
    if (!Number.isFinite(topicMax)) return;
    const fits = topicMax - RECORD_BATCH_OVERHEAD_BYTES;
    if (fits < this.#maxBatchBytes) {
      this.#logger.warn(
        `${this.topic} accepts messages up to ${topicMax} bytes: batches are limited to ${fits} ` +
          `bytes instead of ${this.#maxBatchBytes}`,
      );
      this.#maxBatchBytes = fits;
      this.#producer.maxGroupBytes = fits;
    }
  }

  /** Follows the served partitions until the log is closed; never rejects. */
  async #runReader(): Promise<void> {
    let failures = 0;
    while (!this.#stopReader.signal.aborted) {
      try {
        const { topicId, byLeader } = await this.#layout(failures > 0);
        const restart = new AbortController();
        const loops = await Promise.allSettled(
          [...byLeader].map(([leader, partitions]) =>
            this.#fetchLoop(topicId, leader, partitions, restart).catch((err: unknown) => {
              restart.abort();
              throw err;
            }),
          ),
        );
        const failed = loops.find((loop) => loop.status === 'rejected');
        if (failed) throw failed.reason;
        failures = 0;
      } catch (err) {
        if (this.#stopReader.signal.aborted) return;
        failures++;
        const delay = Math.min(100 * 2 ** failures, 2_000);
        this.#logger.warn(
          `reading ${this.topic} failed (attempt ${failures}); retrying in ${delay} ms`,
          err,
        );
        await pause(delay, this.#stopReader.signal);
      }
    }
  }

  /** The topic id and the served partitions grouped by their leader broker. */
  async #layout(refresh: boolean): Promise<{ topicId: string; byLeader: Map<number, number[]> }> {
    const metadata = await this.#consumer.metadata({ topics: [this.topic], forceUpdate: refresh });
    const topic = metadata.topics.get(this.topic);
    if (!topic) throw new Error(`topic ${this.topic} not found`);
    const byLeader = new Map<number, number[]>();
    for (const partition of this.servedPartitions) {
      const leader = topic.partitions[partition]?.leader ?? -1;
      if (leader < 0) throw new Error(`partition ${partition} of ${this.topic} has no leader`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    return { topicId: topic.id, byLeader };
  }

  /** Long-polls one leader for its partitions until closed, restarted or failing. */
  async #fetchLoop(
    topicId: string,
    leader: number,
    partitions: number[],
    restart: AbortController,
  ): Promise<void> {
    while (!this.#stopReader.signal.aborted && !restart.signal.aborted) {
      let response;
      try {
        response = await this.#consumer.fetch({
          node: leader,
          isolationLevel: FetchIsolationLevels.READ_COMMITTED,
          maxWaitTime: FETCH_MAX_WAIT_MS,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          topics: [
            {
              topicId,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: this.#partitions.get(partition)!.tails.nextOffset,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                partitionMaxBytes: FETCH_PARTITION_MAX_BYTES,
              })),
            },
          ],
        });
      } catch (err) {
        if (isKafkaError(err, 'OFFSET_OUT_OF_RANGE')) {
          await this.#skipToLogStart(partitions);
          continue;
        }
        throw err;
      }
      for (const topic of response.responses) {
        for (const fetched of topic.partitions) this.#apply(fetched);
      }
    }
  }

  /**
   * The reader asked for offsets below a partition's log start: another instance truncated while
   * this one lagged. Everything truncated was compacted (truncation never passes an uncompacted
   * batch), so continuing from the log start loses nothing.
   */
  async #skipToLogStart(partitions: number[]): Promise<void> {
    const starts = await this.#offsets(partitions, ListOffsetTimestamps.EARLIEST);
    let moved = false;
    for (const partition of partitions) {
      const tails = this.#partitions.get(partition)!.tails;
      const start = starts.get(partition)!;
      if (start > tails.nextOffset) {
        this.#logger.info(
          `${this.topic}/${partition}: truncated to ${start} while the reader was at ` +
            `${tails.nextOffset}; continuing from there`,
        );
        tails.setLogStart(start);
        moved = true;
      }
    }
    if (!moved) throw new Error(`fetch offsets out of range on ${this.topic} ${partitions.join()}`);
    for (const partition of partitions) this.#progress(this.#partitions.get(partition)!);
  }

  /** Applies one partition's part of a fetch response. */
  #apply(fetched: FetchResponsePartition): void {
    const served = this.#partitions.get(fetched.partitionIndex);
    if (!served) return;
    const tails = served.tails;
    if (fetched.logStartOffset > tails.logStartOffset) tails.setLogStart(fetched.logStartOffset);
    let cursorsMoved = false;
    for (const batch of fetched.records ?? []) {
      const end = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if ((batch.attributes & IS_CONTROL) === 0) {
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          // A fetch returns whole record batches, which may begin before the requested offset.
          if (offset < tails.nextOffset) continue;
          let message;
          try {
            message = decodeWalMessage(record.key, record.value, record.headers);
          } catch (err) {
            this.#logger.warn(
              `skipping an unreadable message at ${this.topic}/${served.partition}@${offset}`,
              err,
            );
            tails.skipTo(offset + 1n);
            continue;
          }
          switch (message.kind) {
            case 'batch':
              tails.applyBatch(
                offset,
                message.collectionId,
                message.records,
                message.bytes,
                Number(batch.firstTimestamp + record.timestampDelta),
              );
              break;
            case 'cursor':
              tails.applyCursor(offset, message.collectionId, message.position);
              cursorsMoved = true;
              break;
            case 'purge':
              tails.applyPurge(offset, message.collectionId);
              cursorsMoved = true;
              break;
          }
        }
      }
      tails.skipTo(end);
    }
    this.#progress(served);
    if (cursorsMoved) this.#scheduleTruncation(served);
  }

  /** The reader moved on in `served`: release what waited for it. */
  #progress(served: ServedPartition): void {
    const next = served.tails.nextOffset;
    if (served.unapplied.length > 0) {
      served.unapplied = served.unapplied.filter((append) => {
        if (append.offset >= next) return true;
        this.#reserve(append.collectionId, append.size, -1);
        return false;
      });
    }
    served.waiters.notify(next);
  }

  #scheduleTruncation(served: ServedPartition): void {
    if (!this.#options.truncate || this.#closed) return;
    if (served.truncation) {
      served.truncateAgain = true;
      return;
    }
    served.truncation = this.#truncatePartition(served)
      .catch((err: unknown) => {
        // Retried when the next cursor of the partition moves, or at the next start.
        this.#logger.warn(`truncating ${this.topic}/${served.partition} failed`, err);
      })
      .finally(() => {
        served.truncation = undefined;
        if (served.truncateAgain) {
          served.truncateAgain = false;
          this.#scheduleTruncation(served);
        }
      });
  }

  /**
   * DeleteRecords up to the partition's truncation target: its oldest uncompacted batch, never
   * beyond what the reader has applied (see PartitionTails.truncationTarget).
   */
  async #truncatePartition(served: ServedPartition): Promise<void> {
    const target = served.tails.truncationTarget();
    if (target <= served.tails.logStartOffset) return;
    const result = await this.#adminCall(`truncating partition ${served.partition}`, () =>
      this.#admin.deleteRecords({
        topics: [
          { name: this.topic, partitions: [{ partition: served.partition, offset: target }] },
        ],
      }),
    );
    const low = result
      .find((t) => t.name === this.topic)
      ?.partitions.find((p) => p.partition === served.partition)?.lowWatermark;
    if (low !== undefined) {
      served.tails.setLogStart(low);
      this.#progress(served);
    }
  }

  /** Offsets (LATEST: the read_committed high-water mark; EARLIEST: the log start). */
  async #offsets(partitions: readonly number[], timestamp: bigint): Promise<Map<number, bigint>> {
    if (partitions.length === 0) return new Map();
    const what = timestamp === ListOffsetTimestamps.EARLIEST ? 'log start' : 'end';
    const listed = await this.#adminCall(`reading the ${what} offsets of ${this.topic}`, () =>
      this.#admin.listOffsets({
        topics: [
          {
            name: this.topic,
            partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
          },
        ],
        // The bound the reader (read_committed) can reach: the last stable offset, which is the
        // high-water mark since nothing writes transactionally to the WAL topic.
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      }),
    );
    const result = new Map<number, bigint>();
    for (const topic of listed) {
      for (const p of topic.partitions) result.set(p.partitionIndex, p.offset);
    }
    for (const partition of partitions) {
      if (!result.has(partition)) {
        throw new WalUnavailableError(`no ${what} offset for ${this.topic}/${partition}`);
      }
    }
    return result;
  }

  /** A broker request with the request deadline; failures become WalUnavailableError. */
  async #adminCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(call(), this.#options.requestTimeoutMs, what);
    } catch (err) {
      if (err instanceof WalError) throw err;
      throw new WalUnavailableError(`${what} failed: ${describeError(err)}`, { cause: err });
    }
  }

  #waitForReader(
    served: ServedPartition,
    target: bigint,
    what: string,
    signal?: AbortSignal,
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    if (served.tails.nextOffset >= target) return Promise.resolve();
    if (this.#readerStopped) return Promise.reject(new WalClosedError());
    const timeoutMs = options.timeoutMs ?? this.#options.pullTimeoutMs;
    return served.waiters.wait(
      target,
      timeoutMs,
      () =>
        new WalTimeoutError(
          `${what}: the reader of ${this.topic}/${served.partition} is at offset ` +
            `${served.tails.nextOffset}, still below ${target} after ${timeoutMs} ms`,
        ),
      signal,
    );
  }

  /** Refuses an append while the collection's tail, with what is in flight, is at its limits. */
  #admit(served: ServedPartition, collectionId: string): void {
    const tail = served.tails.sizeOf(collectionId);
    const pending = this.#pending.get(collectionId);
    const records = tail.records + (pending?.records ?? 0);
    const bytes = tail.bytes + (pending?.bytes ?? 0);
    const { maxTailRecords, maxTailBytes } = this.#options;
    if (records >= maxTailRecords || bytes >= maxTailBytes) {
      throw new BackoffError(collectionId, records, bytes, maxTailRecords, maxTailBytes);
    }
  }

  #reserve(collectionId: string, size: TailSize, sign: 1 | -1): void {
    const current = this.#pending.get(collectionId) ?? { records: 0, bytes: 0 };
    const next = {
      records: current.records + sign * size.records,
      bytes: current.bytes + sign * size.bytes,
    };
    if (next.records <= 0 && next.bytes <= 0) this.#pending.delete(collectionId);
    else this.#pending.set(collectionId, next);
  }

  #served(collectionId: string): ServedPartition {
    const partition = this.partitionOf(collectionId);
    const served = this.#partitions.get(partition);
    if (!served) {
      throw new PartitionNotServedError(
        `collection ${collectionId} is in partition ${partition} of ${this.topic}, which this ` +
          `instance does not serve (it serves ${this.servedPartitions.join(',')})`,
      );
    }
    return served;
  }

  #assertOpen(): void {
    if (this.#closed) throw new WalClosedError();
  }
}

function resolveOptions(options: KafkaWalOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
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
    logger: options.logger ?? consoleLogger,
  };
  if (resolved.brokers.length === 0) throw new WalArgumentError('no Kafka brokers given');
  if (!/^[a-zA-Z0-9._-]+$/.test(resolved.topicPrefix) || resolved.topicPrefix.length > 240) {
    throw new WalArgumentError(`invalid topic prefix "${resolved.topicPrefix}"`);
  }
  for (const key of [
    'partitions',
    'replicationFactor',
    'minInsyncReplicas',
    'maxTailRecords',
    'maxTailBytes',
    'maxBatchBytes',
    'appendTimeoutMs',
    'pullTimeoutMs',
    'requestTimeoutMs',
    'openTimeoutMs',
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new WalArgumentError(`${key} must be a positive integer, got ${value}`);
    }
  }
  for (const p of resolved.servedPartitions ?? []) {
    if (!Number.isInteger(p) || p < 0 || p >= resolved.partitions) {
      throw new WalArgumentError(`served partition ${p} is not in [0, ${resolved.partitions})`);
    }
  }
  return resolved;
}

const consoleLogger = consoleWalLogger(describeError);
