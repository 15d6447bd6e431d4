import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CollectionTail, LogRecordSchema, PositionedBatch } from '@huedb/proto/log';

/**
 * A record to append: a generated `LogRecord` message or a plain object of the same shape (what
 * `create(LogRecordSchema, init)` accepts), so callers need not build messages first.
 */
export type LogRecordInit = MessageInitShape<typeof LogRecordSchema>;

/** Options of {@link WriteAheadLog.pull}. */
export interface PullOptions {
  /**
   * At most this many records, counted in whole batches: batches are added while fewer than
   * `maxRecords` records have been collected, so the last one may overshoot. 0 or absent = no limit.
   */
  maxRecords?: number;
  /** Abandons the wait for the reader (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Per-collection limits on the uncompacted tail. An append is refused (TailFullError) while the
 * collection's tail — as this instance sees it, including its own acknowledged appends the reader
 * has not applied yet — holds at least `maxTailRecords` records or `maxTailBytes` bytes. A batch is
 * accepted whole while the tail is below both limits, so a tail overshoots by at most one batch
 * per concurrent appender.
 */
export interface TailLimits {
  /** Uncompacted records per collection. */
  maxTailRecords: number;
  /** Uncompacted bytes per collection (encoded batch sizes). */
  maxTailBytes: number;
}

/** The limits used when an implementation is not told otherwise: 100k records, 256 MiB. */
export const DEFAULT_TAIL_LIMITS: Readonly<TailLimits> = Object.freeze({
  maxTailRecords: 100_000,
  maxTailBytes: 256 * 1024 * 1024,
});

/** Where a WAL implementation reports what it does and what goes wrong. */
export interface WalLogger {
  /** `fields`: the numbers behind the message, for structured logs (e.g. recovery counts). */
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, err?: unknown): void;
}

/**
 * HueDB's write-ahead log: per collection, an ordered sequence of atomic batches, each at a log
 * position. Positions increase per collection but are NOT dense (collections share the underlying
 * log, and the log stores its own bookkeeping there too): never compute a position as another
 * position + 1. Ranges are half-open, [from, to).
 *
 * Implementations: Kafka (`@huedb/wal/kafka`) for clusters; append-only local files for
 * single-node mode (`@huedb/wal/local`). Both pass `describeWalConformance` (`@huedb/wal/conformance`).
 *
 * Errors are the classes of `./errors.ts`: TailFullError (tail over its limits), WalTimeoutError
 * (a deadline passed), WalUnavailableError (the storage failed), WalArgumentError (a request that
 * can never succeed), PartitionNotServedError, WalClosedError.
 */
export interface WriteAheadLog {
  /**
   * Appends one atomic batch and resolves with its position once it is durable. Rejects with
   * TailFullError, having written nothing, when the collection's uncompacted tail is over the
   * limits (records or bytes); with WalArgumentError for an empty or oversized batch. A
   * WalTimeoutError or WalUnavailableError leaves the outcome unknown unless its `written` is
   * `false`: the batch may still become durable, so a retry may store it twice.
   */
  append(collectionId: string, records: readonly LogRecordInit[]): Promise<bigint>;

  /**
   * An exclusive bound covering every append acknowledged (by any instance) before the call:
   * pass it to `pull` as `to` for read-your-writes.
   */
  scout(collectionId: string): Promise<bigint>;

  /**
   * The collection's uncompacted batches with from <= position < to, ascending. Waits until this
   * instance's reader has reached `to` (every batch below it is then known), rejecting with
   * WalTimeoutError after the implementation's pull deadline. Batches below the compaction cursor
   * are never returned (they are in a segment). The returned batches are shared: do not mutate.
   */
  pull(
    collectionId: string,
    from: bigint,
    to: bigint,
    options?: PullOptions,
  ): Promise<PositionedBatch[]>;

  /**
   * Collections with uncompacted data that have at least `minRecords` records OR whose oldest
   * uncompacted batch is at least `minAgeMs` old, oldest tail first (ties: by collection id).
   * Reflects every append, cursor move and purge acknowledged before the call.
   */
  collectionsToCompact(minRecords: number, minAgeMs: number): Promise<CollectionTail[]>;

  /**
   * Everything of the collection below `position` is in a registered segment: drop it from the
   * tail and allow the log to truncate it. A position at or below the current cursor is ignored
   * (the cursor never moves backwards); one beyond the end of the log (above `scout`) is rejected
   * with WalArgumentError. Resolves once durable and visible to this instance's reads.
   */
  advanceCursor(collectionId: string, position: bigint): Promise<void>;

  /**
   * Forgets a deleted collection's tail (everything appended before the call); it no longer holds
   * back truncation. Batches appended afterwards form a new tail. Durable and visible to this
   * instance's reads when it resolves.
   */
  purge(collectionId: string): Promise<void>;

  /**
   * Stops accepting calls, lets appends already accepted finish (each within its deadline), and
   * releases every resource. Pending pulls reject with WalClosedError.
   */
  close(): Promise<void>;
}
