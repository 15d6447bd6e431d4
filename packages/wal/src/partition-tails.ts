import { create } from '@bufbuild/protobuf';
import {
  CollectionTailSchema,
  PositionedBatchSchema,
  type CollectionTail,
  type LogRecord,
  type PositionedBatch,
} from '@huedb/proto/log';

/** One uncompacted batch. */
interface TailEntry {
  readonly batch: PositionedBatch;
  readonly bytes: number;
  readonly appendedAtMs: number;
}

/** A collection's state in its partition. */
interface CollectionState {
  /** Uncompacted batches, ascending by position; all at or above `cursor`. */
  entries: TailEntry[];
  records: number;
  bytes: number;
  /** The highest cursor recorded for the collection (0 when none was). */
  cursor: bigint;
}

/**
 * What a WAL stores at a position, whatever its encoding (a Kafka message, a local frame): a
 * batch of a collection, a move of its compaction cursor, or a purge of its log.
 */
export type WalEntry =
  | { kind: 'batch'; collectionId: string; records: LogRecord[]; bytes: number }
  | { kind: 'cursor'; collectionId: string; position: bigint }
  | { kind: 'purge'; collectionId: string };

/** The size of a collection's uncompacted tail. */
export interface TailSize {
  records: number;
  bytes: number;
}

/**
 * One partition's tails and compaction cursors, as a pure function of the partition's messages
 * applied in offset order from its log start. Every instance that reads the partition computes
 * the same state at the same offset, whether it has been running for days or just restarted —
 * that is what makes cursors shared and durable without a second store, and what makes
 * `truncationTarget` safe to act on.
 *
 * Invariants: `logStartOffset <= nextOffset`; a collection's entries are all at or above its
 * effective cursor, max(recorded cursor, logStartOffset); a collection with no entries is kept
 * only while its recorded cursor is above the log start (below it, the log start implies it).
 */
export class PartitionTails {
  readonly #collections = new Map<string, CollectionState>();
  /**
   * Per collection, the position compaction moved its cursor to. Kept apart from the tails: a
   * truncation that empties a tail must not forget it (a reader of an older segment would see a gap).
   */
  readonly #compacted = new Map<string, bigint>();
  #logStart: bigint;
  #next: bigint;

  /** Starts empty at the partition's log start offset. */
  constructor(logStartOffset: bigint) {
    this.#logStart = logStartOffset;
    this.#next = logStartOffset;
  }

  /** Every message below this offset has been applied. */
  get nextOffset(): bigint {
    return this.#next;
  }

  /** Nothing below this offset exists in the partition any more. */
  get logStartOffset(): bigint {
    return this.#logStart;
  }

  /**
   * Applies the entry found at `offset` (appended at `appendedAtMs`, which only a batch keeps);
   * true when it moved a cursor (a cursor move or a purge), which may let the log truncate.
   */
  apply(offset: bigint, entry: WalEntry, appendedAtMs: number): boolean {
    switch (entry.kind) {
      case 'batch':
        this.applyBatch(offset, entry.collectionId, entry.records, entry.bytes, appendedAtMs);
        return false;
      case 'cursor':
        this.applyCursor(offset, entry.collectionId, entry.position);
        return true;
      case 'purge':
        this.applyPurge(offset, entry.collectionId);
        return true;
    }
  }

  /** Applies a batch appended at `offset`. */
  applyBatch(
    offset: bigint,
    collectionId: string,
    records: LogRecord[],
    bytes: number,
    appendedAtMs: number,
  ): void {
    this.#advance(offset);
    const state = this.#state(collectionId);
    // A batch below the cursor cannot follow the cursor in the log (a cursor never exceeds its
    // own offset); the check only keeps the invariant if a foreign writer breaks that.
    if (offset < state.cursor) return;
    state.entries.push({
      batch: create(PositionedBatchSchema, { logPosition: offset, records }),
      bytes,
      appendedAtMs,
    });
    state.records += records.length;
    state.bytes += bytes;
  }

  /**
   * Applies a cursor message found at `offset`. The cursor is clamped to `offset`: whoever wrote
   * it could only have compacted batches written before it, and the clamp keeps a bogus value
   * from hiding batches appended later.
   */
  applyCursor(offset: bigint, collectionId: string, position: bigint): void {
    this.#advance(offset);
    const clamped = position < offset ? position : offset;
    this.#moveCursor(collectionId, clamped);
    if (clamped > (this.#compacted.get(collectionId) ?? 0n))
      this.#compacted.set(collectionId, clamped);
  }

  /** Applies a purge message found at `offset`: everything of the collection before it is gone. */
  applyPurge(offset: bigint, collectionId: string): void {
    this.#advance(offset);
    this.#compacted.delete(collectionId);
    this.#moveCursor(collectionId, offset);
  }

  /** Offsets below `offset` held nothing to apply (control records, skipped messages). */
  skipTo(offset: bigint): void {
    if (offset > this.#next) this.#next = offset;
  }

  /**
   * The partition's log start moved to `offset` (this or another instance truncated it):
   * everything below is gone, which the cursors already allowed. If the reader had not reached it,
   * it continues from there.
   */
  setLogStart(offset: bigint): void {
    if (offset <= this.#logStart) return;
    this.#logStart = offset;
    if (this.#next < offset) this.#next = offset;
    for (const [collectionId, state] of this.#collections) {
      this.#dropBelow(state, offset);
      if (state.entries.length === 0 && state.cursor <= offset) {
        this.#collections.delete(collectionId);
      }
    }
  }

  /**
   * The position up to which compaction (AdvanceCompactionCursor) moved the collection's cursor,
   * 0 when it never did: its batches below are only in a registered segment version, so a reader
   * starting below it holds an older version and would see a gap. Purges and the log start are
   * not compactions and do not count.
   */
  compactedTo(collectionId: string): bigint {
    return this.#compacted.get(collectionId) ?? 0n;
  }

  /** The collection's effective compaction cursor. */
  cursorOf(collectionId: string): bigint {
    const recorded = this.#collections.get(collectionId)?.cursor ?? 0n;
    return recorded > this.#logStart ? recorded : this.#logStart;
  }

  /** The size of the collection's uncompacted tail. */
  sizeOf(collectionId: string): TailSize {
    const state = this.#collections.get(collectionId);
    return { records: state?.records ?? 0, bytes: state?.bytes ?? 0 };
  }

  /**
   * The collection's uncompacted batches with from <= position < to, ascending; with
   * `maxRecords` > 0, whole batches while fewer than `maxRecords` records are collected.
   */
  pull(collectionId: string, from: bigint, to: bigint, maxRecords = 0): PositionedBatch[] {
    const entries = this.#collections.get(collectionId)?.entries;
    if (!entries) return [];
    const result: PositionedBatch[] = [];
    let records = 0;
    for (let i = lowerBound(entries, from); i < entries.length; i++) {
      const batch = entries[i]!.batch;
      if (batch.logPosition >= to) break;
      if (maxRecords > 0 && records >= maxRecords) break;
      result.push(batch);
      records += batch.records.length;
    }
    return result;
  }

  /** Every collection with an uncompacted tail. */
  *tails(): IterableIterator<CollectionTail> {
    for (const [collectionId, state] of this.#collections) {
      const first = state.entries[0];
      const last = state.entries.at(-1);
      if (!first || !last) continue;
      yield create(CollectionTailSchema, {
        collectionId,
        firstPosition: first.batch.logPosition,
        toPosition: last.batch.logPosition + 1n,
        recordCount: BigInt(state.records),
        firstAppendedAtMs: BigInt(first.appendedAtMs),
      });
    }
  }

  /**
   * How far the partition may be truncated now: the oldest uncompacted batch of any collection,
   * or, when every collection is compacted, the reader's position (a batch it has not read yet
   * may be uncompacted, so it never goes beyond). Purged collections have no tail, so they hold
   * nothing back.
   */
  truncationTarget(): bigint {
    let target = this.#next;
    for (const state of this.#collections.values()) {
      const first = state.entries[0];
      if (first && first.batch.logPosition < target) target = first.batch.logPosition;
    }
    return target;
  }

  #advance(offset: bigint): void {
    if (offset < this.#next) {
      throw new Error(`message at offset ${offset} applied after offset ${this.#next - 1n}`);
    }
    this.#next = offset + 1n;
  }

  #state(collectionId: string): CollectionState {
    let state = this.#collections.get(collectionId);
    if (!state) {
      state = { entries: [], records: 0, bytes: 0, cursor: 0n };
      this.#collections.set(collectionId, state);
    }
    return state;
  }

  #moveCursor(collectionId: string, position: bigint): void {
    if (position <= this.cursorOf(collectionId)) return;
    const state = this.#state(collectionId);
    state.cursor = position;
    this.#dropBelow(state, position);
  }

  #dropBelow(state: CollectionState, position: bigint): void {
    const keep = lowerBound(state.entries, position);
    if (keep === 0) return;
    for (const entry of state.entries.splice(0, keep)) {
      state.records -= entry.batch.records.length;
      state.bytes -= entry.bytes;
    }
  }
}

/** The index of the first entry at or above `position`. */
function lowerBound(entries: readonly TailEntry[], position: bigint): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.batch.logPosition < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
