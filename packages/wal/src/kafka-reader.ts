import {
  FetchIsolationLevels,
  IS_CONTROL,
  ListOffsetTimestamps,
  type Consumer,
} from '@platformatic/kafka';
import type { TailBackpressure } from './backpressure.js';
import { OffsetWaiters, pause } from './deadline.js';
import { WalClosedError, WalTimeoutError } from './errors.js';
import type { KafkaBroker } from './kafka-broker.js';
import { isKafkaError } from './kafka-errors.js';
import { decodeWalMessage } from './kafka-message.mapper.js';
import { PartitionTails, type TailSize } from './partition-tails.js';
import type { WalLogger } from './wal.js';

/** The state of a partition this instance serves. */
export interface ServedPartition {
  readonly partition: number;
  readonly tails: PartitionTails;
  readonly waiters: OffsetWaiters;
  /** Appends of this instance that are acknowledged but not yet applied by the reader. */
  unapplied: { offset: bigint; collectionId: string; size: TailSize }[];
  /** The truncation running on the partition, if any (see KafkaTruncation). */
  truncation: Promise<void> | undefined;
  /** A cursor moved while it ran: truncate again when it ends. */
  truncateAgain: boolean;
}

/** What {@link KafkaReader} needs. */
export interface KafkaReaderOptions {
  broker: KafkaBroker;
  consumer: Consumer;
  servedPartitions: readonly number[];
  /** How long a wait for the reader lasts unless told otherwise. */
  pullTimeoutMs: number;
  backpressure: TailBackpressure;
  logger: WalLogger;
  /** Aborted when the WAL closes: the reader stops. */
  stop: AbortSignal;
  /** A cursor moved (or a purge happened) in `served`: it may be truncated further. */
  onCursorsMoved(served: ServedPartition): void;
}

type FetchResponsePartition = Awaited<
  ReturnType<Consumer['fetch']>
>['responses'][number]['partitions'][number];

/** A fetch waits this long for new data before returning empty (long poll). */
const FETCH_MAX_WAIT_MS = 500;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const FETCH_PARTITION_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The reader of the Kafka WAL: follows the partitions this instance serves from their log start
 * with a manual fetch loop (read_committed, no consumer group, one long poll per leader broker)
 * into a {@link PartitionTails} per partition, and releases whoever waits for it to pass an offset.
 * Every instance that reads a partition derives the same tails and cursors from it.
 */
export class KafkaReader {
  /** The served partitions' state, by partition (filled by {@link start}). */
  readonly partitions = new Map<number, ServedPartition>();
  readonly #o: KafkaReaderOptions;
  readonly #topic: string;
  #loop: Promise<void> | undefined;
  #stopped = false;

  constructor(options: KafkaReaderOptions) {
    this.#o = options;
    this.#topic = options.broker.topic;
  }

  /** Starts reading every served partition at its log start (`starts`); never rejects. */
  start(starts: Map<number, bigint>): void {
    for (const partition of this.#o.servedPartitions) {
      this.partitions.set(partition, {
        partition,
        tails: new PartitionTails(starts.get(partition)!),
        waiters: new OffsetWaiters(),
        unapplied: [],
        truncation: undefined,
        truncateAgain: false,
      });
    }
    this.#loop = this.#run();
  }

  /** Waits for the loop to end (after `stop` aborted) and rejects every waiter: closed. */
  async stopped(): Promise<void> {
    await this.#loop;
    this.#stopped = true;
    for (const served of this.partitions.values()) served.waiters.rejectAll(new WalClosedError());
  }

  /**
   * Resolves once the reader of `served` has applied everything below `target`; WalTimeoutError
   * after `timeoutMs` (default: the pull timeout), WalClosedError once the reader stopped.
   */
  waitFor(
    served: ServedPartition,
    target: bigint,
    what: string,
    signal?: AbortSignal,
    timeoutMs = this.#o.pullTimeoutMs,
  ): Promise<void> {
    if (served.tails.nextOffset >= target) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new WalClosedError());
    return served.waiters.wait(
      target,
      timeoutMs,
      () =>
        new WalTimeoutError(
          `${what}: the reader of ${this.#topic}/${served.partition} is at offset ` +
            `${served.tails.nextOffset}, still below ${target} after ${timeoutMs} ms`,
        ),
      signal,
    );
  }

  /**
   * An append of this instance was acknowledged at `offset`: it stays counted against its tail
   * (backpressure) until the reader has applied it.
   */
  holdUntilApplied(
    served: ServedPartition,
    offset: bigint,
    collectionId: string,
    size: TailSize,
  ): void {
    if (served.tails.nextOffset <= offset) served.unapplied.push({ offset, collectionId, size });
    else this.#o.backpressure.release(collectionId, size);
  }

  /** The reader (or a truncation) moved on in `served`: release what waited for it. */
  progress(served: ServedPartition): void {
    const next = served.tails.nextOffset;
    if (served.unapplied.length > 0) {
      served.unapplied = served.unapplied.filter((append) => {
        if (append.offset >= next) return true;
        this.#o.backpressure.release(append.collectionId, append.size);
        return false;
      });
    }
    served.waiters.notify(next);
  }

  /** Follows the served partitions until the log is closed; never rejects. */
  async #run(): Promise<void> {
    const stop = this.#o.stop;
    let failures = 0;
    while (!stop.aborted) {
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
        if (stop.aborted) return;
        failures++;
        const delay = Math.min(100 * 2 ** failures, 2_000);
        this.#o.logger.warn(
          `reading ${this.#topic} failed (attempt ${failures}); retrying in ${delay} ms`,
          err,
        );
        await pause(delay, stop);
      }
    }
  }

  /** The topic id and the served partitions grouped by their leader broker. */
  async #layout(refresh: boolean): Promise<{ topicId: string; byLeader: Map<number, number[]> }> {
    const metadata = await this.#o.consumer.metadata({
      topics: [this.#topic],
      forceUpdate: refresh,
    });
    const topic = metadata.topics.get(this.#topic);
    if (!topic) throw new Error(`topic ${this.#topic} not found`);
    const byLeader = new Map<number, number[]>();
    for (const partition of this.#o.servedPartitions) {
      const leader = topic.partitions[partition]?.leader ?? -1;
      if (leader < 0) throw new Error(`partition ${partition} of ${this.#topic} has no leader`);
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
    while (!this.#o.stop.aborted && !restart.signal.aborted) {
      let response;
      try {
        response = await this.#o.consumer.fetch({
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
                fetchOffset: this.partitions.get(partition)!.tails.nextOffset,
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
    const starts = await this.#o.broker.offsets(partitions, ListOffsetTimestamps.EARLIEST);
    let moved = false;
    for (const partition of partitions) {
      const tails = this.partitions.get(partition)!.tails;
      const start = starts.get(partition)!;
      if (start > tails.nextOffset) {
        this.#o.logger.info(
          `${this.#topic}/${partition}: truncated to ${start} while the reader was at ` +
            `${tails.nextOffset}; continuing from there`,
        );
        tails.setLogStart(start);
        moved = true;
      }
    }
    if (!moved) {
      throw new Error(`fetch offsets out of range on ${this.#topic} ${partitions.join()}`);
    }
    for (const partition of partitions) this.progress(this.partitions.get(partition)!);
  }

  /** Applies one partition's part of a fetch response. */
  #apply(fetched: FetchResponsePartition): void {
    const served = this.partitions.get(fetched.partitionIndex);
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
            this.#o.logger.warn(
              `skipping an unreadable message at ${this.#topic}/${served.partition}@${offset}`,
              err,
            );
            tails.skipTo(offset + 1n);
            continue;
          }
          const appendedAtMs = Number(batch.firstTimestamp + record.timestampDelta);
          if (tails.apply(offset, message, appendedAtMs)) cursorsMoved = true;
        }
      }
      tails.skipTo(end);
    }
    this.progress(served);
    if (cursorsMoved) this.#o.onCursorsMoved(served);
  }
}
