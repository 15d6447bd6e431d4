import type { CollectionTail } from '@huedb/proto/log';
import { WalArgumentError, WalCompactedError } from './errors.js';
import type { LogRecordInit, PullOptions, WalLogger } from './wal.js';

/*
 * The front both WALs (Kafka, local) share: the checks of every call's arguments, with one set of
 * messages, and the rules that do not depend on where the log lives. An implementation calls these
 * first and then does only what is its own (producing, writing frames, waiting for its reader).
 */

/** A WalLogger on the console, with a `[huedb/wal]` prefix; `describe` renders a cause. */
export function consoleWalLogger(describe: (err: unknown) => string): WalLogger {
  return {
    info: (message) => console.info(`[huedb/wal] ${message}`),
    warn: (message, err) =>
      err === undefined
        ? console.warn(`[huedb/wal] ${message}`)
        : console.warn(`[huedb/wal] ${message}:`, describe(err)),
  };
}

/**
 * What recovery rebuilt, for the open line: collections with an uncompacted tail and their
 * records (totals, not per collection).
 */
export function tailTotals(tails: readonly CollectionTail[]): {
  tails: number;
  tailRecords: number;
} {
  return { tails: tails.length, tailRecords: tails.reduce((n, t) => n + Number(t.recordCount), 0) };
}

/** The message of an error (or the value itself), for logs and error messages. */
export function describeCause(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rejects an empty or blank collection id (every WAL operation is per collection). */
export function assertCollectionId(collectionId: string): void {
  if (typeof collectionId !== 'string' || collectionId.trim().length === 0) {
    throw new WalArgumentError('a collection id is required');
  }
}

/**
 * Checks an append and encodes its batch with `encode`; rejects an empty batch, records that
 * cannot be encoded and a batch whose encoding (`bytesOf`) is over `maxBatchBytes`.
 */
export function encodeAppend<E>(
  collectionId: string,
  records: readonly LogRecordInit[],
  maxBatchBytes: number,
  encode: () => E,
  bytesOf: (encoded: E) => number,
  describe: (err: unknown) => string = describeCause,
): E {
  assertCollectionId(collectionId);
  if (records.length === 0) throw new WalArgumentError('a batch needs at least one record');
  let encoded: E;
  try {
    encoded = encode();
  } catch (err) {
    throw new WalArgumentError(`the records cannot be encoded: ${describe(err)}`, { cause: err });
  }
  const bytes = bytesOf(encoded);
  if (bytes > maxBatchBytes) {
    throw new WalArgumentError(
      `the batch is ${bytes} bytes encoded, over the limit of ${maxBatchBytes}; split it`,
    );
  }
  return encoded;
}

/** Checks a pull's range [from, to) and options; returns its record limit (0 = none). */
export function checkPull(
  collectionId: string,
  from: bigint,
  to: bigint,
  options: PullOptions,
): number {
  assertCollectionId(collectionId);
  if (from < 0n || to < from) {
    throw new WalArgumentError(`invalid range [${from}, ${to}): need 0 <= from <= to`);
  }
  const maxRecords = options.maxRecords ?? 0;
  if (!Number.isInteger(maxRecords) || maxRecords < 0) {
    throw new WalArgumentError(`maxRecords must be a non-negative integer, got ${maxRecords}`);
  }
  return maxRecords;
}

/** Throws WalCompactedError when a pull starts below the collection's recorded cursor. */
export function assertNotCompacted(cursor: bigint, collectionId: string, from: bigint): void {
  if (from < cursor) {
    throw new WalCompactedError(
      `collection ${collectionId} is compacted up to position ${cursor}; a pull from ${from} ` +
        'needs the newer segment version: refresh the collection and read again',
    );
  }
}

/** Checks the thresholds of collectionsToCompact. */
export function checkCompactionThresholds(minRecords: number, minAgeMs: number): void {
  if (!(minRecords >= 0) || !(minAgeMs >= 0)) {
    throw new WalArgumentError('minRecords and minAgeMs must be >= 0');
  }
}

/**
 * The tails due for compaction — at least `minRecords` records, or a first batch at least
 * `minAgeMs` old at `nowMs` — oldest uncompacted batch first.
 */
export function dueForCompaction(
  tails: Iterable<CollectionTail>,
  minRecords: number,
  minAgeMs: number,
  nowMs: number,
): CollectionTail[] {
  const result: CollectionTail[] = [];
  for (const tail of tails) {
    if (
      Number(tail.recordCount) >= minRecords ||
      nowMs - Number(tail.firstAppendedAtMs) >= minAgeMs
    ) {
      result.push(tail);
    }
  }
  return result.sort(oldestTailFirst);
}

/** Oldest uncompacted batch first; ties by collection id, so the order is deterministic. */
export function oldestTailFirst(a: CollectionTail, b: CollectionTail): number {
  if (a.firstAppendedAtMs !== b.firstAppendedAtMs) {
    return a.firstAppendedAtMs < b.firstAppendedAtMs ? -1 : 1;
  }
  return a.collectionId < b.collectionId ? -1 : a.collectionId > b.collectionId ? 1 : 0;
}

/** Checks a cursor move's arguments (the position against the log's end: {@link checkCursorEnd}). */
export function checkCursor(collectionId: string, position: bigint): void {
  assertCollectionId(collectionId);
  if (position < 0n) throw new WalArgumentError(`invalid cursor ${position}`);
}

/** Rejects a cursor beyond the end of the collection's log (`end`, exclusive). */
export function checkCursorEnd(collectionId: string, position: bigint, end: bigint): void {
  if (position > end) {
    throw new WalArgumentError(
      `cursor ${position} of collection ${collectionId} is beyond the end of its log (${end})`,
    );
  }
}

/** Checks that every one of `values` is a positive integer. */
export function checkPositiveIntegers(values: Record<string, number>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new WalArgumentError(`${key} must be a positive integer, got ${value}`);
    }
  }
}
