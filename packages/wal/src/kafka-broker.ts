import { FetchIsolationLevels, ListOffsetTimestamps, type Admin } from '@platformatic/kafka';
import { withDeadline } from './deadline.js';
import { WalError, WalUnavailableError } from './errors.js';
import { describeError } from './kafka-errors.js';

/**
 * The broker requests of the Kafka WAL outside the produce and fetch paths — offsets, topic
 * administration, DeleteRecords — each with the request deadline, failures as WalUnavailableError.
 */
export class KafkaBroker {
  constructor(
    /** The admin client (closed by the WAL). */
    readonly admin: Admin,
    /** The WAL topic. */
    readonly topic: string,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Offsets (LATEST: the read_committed high-water mark; EARLIEST: the log start). */
  async offsets(partitions: readonly number[], timestamp: bigint): Promise<Map<number, bigint>> {
    if (partitions.length === 0) return new Map();
    const what = timestamp === ListOffsetTimestamps.EARLIEST ? 'log start' : 'end';
    const listed = await this.call(`reading the ${what} offsets of ${this.topic}`, () =>
      this.admin.listOffsets({
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

  /** The end offset (high-water mark) of one partition. */
  async end(partition: number): Promise<bigint> {
    return (await this.offsets([partition], ListOffsetTimestamps.LATEST)).get(partition)!;
  }

  /** A broker request with the request deadline; failures become WalUnavailableError. */
  async call<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(call(), this.requestTimeoutMs, what);
    } catch (err) {
      if (err instanceof WalError) throw err;
      throw new WalUnavailableError(`${what} failed: ${describeError(err)}`, { cause: err });
    }
  }
}
