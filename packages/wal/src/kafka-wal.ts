import { Admin, Consumer, ListOffsetTimestamps, ProduceAcks, Producer } from '@platformatic/kafka';
import type { CollectionTail, PositionedBatch } from '@huedb/proto/log';
import { TailBackpressure } from './backpressure.js';
import { withDeadline } from './deadline.js';
import { PartitionNotServedError, WalClosedError } from './errors.js';
import { GroupCommitProducer } from './group-commit-producer.js';
import { KafkaBroker } from './kafka-broker.js';
import { describeError } from './kafka-errors.js';
import { encodeBatch, encodeCursor, encodePurge } from './kafka-message.mapper.js';
import { KafkaReader, type ServedPartition } from './kafka-reader.js';
import { provisionTopic } from './kafka-topic.js';
import { KafkaTruncation } from './kafka-truncation.js';
import {
  resolveKafkaWalOptions,
  retryDelay,
  type KafkaWalOptions,
  type ResolvedKafkaWalOptions,
} from './kafka-wal.options.js';
import type { TailSize } from './partition-tails.js';
import { partitionForCollection } from './partitioner.js';
import {
  assertCollectionId,
  assertNotCompacted,
  checkCompactionThresholds,
  checkCursor,
  checkCursorEnd,
  checkPull,
  dueForCompaction,
  encodeAppend,
  tailTotals,
} from './wal-front.js';
import type { LogRecordInit, PullOptions, WalLogger, WriteAheadLog } from './wal.js';

export type { KafkaWalOptions, WalLogger };

/**
 * The write-ahead log on Kafka (docs/architecture.md, "log"; design notes in README.md).
 *
 * One topic `<prefix>.wal`; a collection's batches, cursor moves and purges are messages keyed by
 * the collection id in partition `murmur2(id) mod P`. An append is one message, produced with an
 * idempotent acks=all producer; its position is the message's offset. Each instance reads the
 * partitions it serves from their log start ({@link KafkaReader}) into a PartitionTails per
 * partition — the tails, and the cursors, which live in the same partition so every instance
 * derives the same state from it. `scout` asks the broker for the high-water mark; `pull` waits
 * until the reader has passed its bound. When cursors move, a partition is truncated
 * ({@link KafkaTruncation}) up to its oldest uncompacted batch.
 *
 * This class is the API: the argument checks both WALs share (wal-front.ts), backpressure
 * (backpressure.ts), and the order of the steps. Topic provisioning is kafka-topic.ts, option
 * parsing kafka-wal.options.ts, broker requests kafka-broker.ts.
 */
export class KafkaWal implements WriteAheadLog {
  /** The WAL topic. */
  readonly topic: string;
  /** Its partition count. */
  readonly partitionCount: number;
  /** The partitions this instance serves, ascending. */
  readonly servedPartitions: readonly number[];

  readonly #options: ResolvedKafkaWalOptions;
  readonly #logger: WalLogger;
  readonly #admin: Admin;
  readonly #consumer: Consumer;
  readonly #broker: KafkaBroker;
  readonly #producer: GroupCommitProducer;
  readonly #backpressure: TailBackpressure;
  readonly #reader: KafkaReader;
  readonly #truncation: KafkaTruncation;
  readonly #stopReader = new AbortController();
  /** The largest batch accepted: maxBatchBytes, or less if an existing topic allows less. */
  #maxBatchBytes: number;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(options: ResolvedKafkaWalOptions) {
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
    this.#broker = new KafkaBroker(this.#admin, this.topic, options.requestTimeoutMs);
    this.#backpressure = new TailBackpressure(options);
    this.#reader = new KafkaReader({
      broker: this.#broker,
      consumer: this.#consumer,
      servedPartitions: this.servedPartitions,
      pullTimeoutMs: options.pullTimeoutMs,
      backpressure: this.#backpressure,
      logger: this.#logger,
      stop: this.#stopReader.signal,
      onCursorsMoved: (served) => this.#truncation.schedule(served),
    });
    this.#truncation = new KafkaTruncation({
      broker: this.#broker,
      enabled: options.truncate,
      logger: this.#logger,
      closed: () => this.#closed,
      onLogStart: (served) => this.#reader.progress(served),
    });
  }

  /**
   * Connects, creates the topic if it is missing, reads every served partition from its log start
   * until it has caught up with the end the broker reported at start (recovery), and starts
   * following. Rejects (having released everything) if that does not finish within
   * `openTimeoutMs`, e.g. when no broker answers.
   */
  static async open(options: KafkaWalOptions): Promise<KafkaWal> {
    const wal = new KafkaWal(resolveKafkaWalOptions(options));
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
    const durationMs = Date.now() - started;
    const tails = await wal.collectionsToCompact(1, 0);
    wal.#logger.info(
      `${wal.topic}: serving partitions ${wal.servedPartitions.join(',')} of ` +
        `${wal.partitionCount}, caught up in ${durationMs} ms`,
      {
        event: 'wal-recovered',
        topic: wal.topic,
        partitions: wal.servedPartitions,
        partitionCount: wal.partitionCount,
        durationMs,
        ...tailTotals(tails),
      },
    );
    return wal;
  }

  /** The partition that holds a collection's log. */
  partitionOf(collectionId: string): number {
    return partitionForCollection(collectionId, this.partitionCount);
  }

  async append(collectionId: string, records: readonly LogRecordInit[]): Promise<bigint> {
    this.#assertOpen();
    const message = encodeAppend(
      collectionId,
      records,
      this.#maxBatchBytes,
      () => encodeBatch(collectionId, records),
      (encoded) => encoded.value.length,
      describeError,
    );
    const partition = this.partitionOf(collectionId);
    const served = this.#reader.partitions.get(partition);
    const size: TailSize = { records: records.length, bytes: message.value.length };
    // Without the partition's tail this instance cannot judge backpressure; an instance that
    // serves it will refuse appends once the tail is visible there.
    if (served) this.#backpressure.admit(collectionId, served.tails.sizeOf(collectionId));
    this.#backpressure.reserve(collectionId, size);
    let offset: bigint;
    try {
      offset = await this.#producer.send(partition, message);
    } catch (err) {
      this.#backpressure.release(collectionId, size);
      throw err;
    }
    // Keep counting the batch against the tail until the reader has applied it.
    if (served) this.#reader.holdUntilApplied(served, offset, collectionId, size);
    else this.#backpressure.release(collectionId, size);
    return offset;
  }

  async scout(collectionId: string): Promise<bigint> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    return this.#broker.end(this.partitionOf(collectionId));
  }

  async pull(
    collectionId: string,
    from: bigint,
    to: bigint,
    options: PullOptions = {},
  ): Promise<PositionedBatch[]> {
    this.#assertOpen();
    const maxRecords = checkPull(collectionId, from, to, options);
    const served = this.#served(collectionId);
    if (from === to) return [];
    await this.#reader.waitFor(served, to, 'pull', options.signal);
    assertNotCompacted(served.tails.compactedTo(collectionId), collectionId, from);
    return served.tails.pull(collectionId, from, to, maxRecords);
  }

  async collectionsToCompact(minRecords: number, minAgeMs: number): Promise<CollectionTail[]> {
    this.#assertOpen();
    checkCompactionThresholds(minRecords, minAgeMs);
    // Wait until the reader has seen everything acknowledged before the call — appends, cursor
    // moves and purges made through any instance — so a compactor never re-compacts a tail it
    // just compacted through another instance.
    const ends = await this.#broker.offsets(this.servedPartitions, ListOffsetTimestamps.LATEST);
    const partitions = [...this.#reader.partitions.values()];
    await Promise.all(
      partitions.map((served) =>
        this.#reader.waitFor(served, ends.get(served.partition)!, 'collectionsToCompact'),
      ),
    );
    const tails = partitions.flatMap((served) => [...served.tails.tails()]);
    return dueForCompaction(tails, minRecords, minAgeMs, this.#options.clock());
  }

  async advanceCursor(collectionId: string, position: bigint): Promise<void> {
    this.#assertOpen();
    checkCursor(collectionId, position);
    const partition = this.partitionOf(collectionId);
    const served = this.#reader.partitions.get(partition);
    if (served && position <= served.tails.cursorOf(collectionId)) return;
    checkCursorEnd(collectionId, position, await this.#broker.end(partition));
    const offset = await this.#producer.send(partition, encodeCursor(collectionId, position));
    if (served) await this.#reader.waitFor(served, offset + 1n, 'advanceCursor');
  }

  async purge(collectionId: string): Promise<void> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    const partition = this.partitionOf(collectionId);
    const offset = await this.#producer.send(partition, encodePurge(collectionId));
    const served = this.#reader.partitions.get(partition);
    if (served) await this.#reader.waitFor(served, offset + 1n, 'purge');
  }

  /**
   * Truncates every served partition now, as far as the cursors allow, and returns each one's
   * log start offset afterwards. (The log also does this by itself whenever a cursor moves; this
   * is for operators and tests.)
   */
  async truncate(): Promise<Map<number, bigint>> {
    this.#assertOpen();
    const result = new Map<number, bigint>();
    for (const served of this.#reader.partitions.values()) {
      while (served.truncation) await served.truncation;
      await this.#truncation.now(served);
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
    await this.#reader.stopped();
    const partitions = [...this.#reader.partitions.values()];
    await Promise.all(partitions.flatMap((served) => served.truncation ?? []));
    await Promise.allSettled([this.#consumer.close(), this.#admin.close()]);
  }

  async #start(): Promise<void> {
    const fits = await provisionTopic(this.#broker, this.#options, this.#logger, {
      closed: () => this.#closed,
      signal: this.#stopReader.signal,
    });
    if (fits < this.#maxBatchBytes) {
      this.#maxBatchBytes = fits;
      this.#producer.maxGroupBytes = fits;
    }
    this.#assertOpen();
    const starts = await this.#broker.offsets(this.servedPartitions, ListOffsetTimestamps.EARLIEST);
    this.#assertOpen();
    this.#reader.start(starts);
    const ends = await this.#broker.offsets(this.servedPartitions, ListOffsetTimestamps.LATEST);
    await Promise.all(
      [...this.#reader.partitions.values()].map((served) =>
        this.#reader.waitFor(
          served,
          ends.get(served.partition)!,
          'recovery',
          undefined,
          this.#options.openTimeoutMs,
        ),
      ),
    );
    // A truncation that failed or was cut short by a restart is retried now.
    for (const served of this.#reader.partitions.values()) this.#truncation.schedule(served);
  }

  #served(collectionId: string): ServedPartition {
    const partition = this.partitionOf(collectionId);
    const served = this.#reader.partitions.get(partition);
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
