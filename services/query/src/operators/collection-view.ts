import { Operation, type LogRecord } from '@huedb/proto/log';
import { mergeLogRecord, recordFromLog, type LiveRecord, type Space } from '@huedb/core';
import { FlatIndex, type Segment } from '@huedb/index';
import { estimateBytes } from './record-set.js';

/**
 * A collection as of a log position: its compacted segment (immutable, shared) plus an overlay
 * built from the log's tail. The overlay never copies the segment: it records which segment
 * positions the tail deleted or rewrote, and the records the tail added.
 *
 * Order is Chroma's first-insertion order: segment records by position (a rewritten record keeps
 * its place), then records first inserted in the tail, in log order (a segment record deleted and
 * added again moves to the end).
 */
export class CollectionView {
  /** Segment positions the tail deleted or rewrote (rewritten ones live in `replaced`). */
  private readonly hidden = new Set<number>();
  /** Segment positions whose record the tail changed, with the record as it is now. */
  private readonly replaced = new Map<number, LiveRecord>();
  /** Records first inserted by the tail, in insertion order. */
  private readonly appended = new Map<string, LiveRecord>();
  /**
   * Each appended record's rank in first-insertion order: after every segment position, counted
   * up as records are first inserted (kept by an update, new when a deleted id comes back).
   */
  private readonly appendedRanks = new Map<string, number>();
  private nextRank: number;
  /**
   * The overlay's vectors for k-NN (label = rank), built on the first search and kept in step
   * with every change after it, so a query never rebuilds per-record candidates.
   */
  private flat: FlatIndex<LiveRecord> | undefined;
  private overlayBytes = 0;

  constructor(readonly segment: Segment | undefined) {
    this.nextRank = segment?.size ?? 0;
  }

  /** Live records. */
  get size(): number {
    return (this.segment?.size ?? 0) - this.hidden.size + this.replaced.size + this.appended.size;
  }

  /** The vectors' dimension, from the segment or any live record; undefined while there are none. */
  get dimension(): number | undefined {
    if (this.segment && this.segment.size > 0) return this.segment.manifest.dimension;
    for (const record of this.records()) return record.embedding.length;
    return undefined;
  }

  /** Approximate bytes the overlay holds (the segment is accounted by its cache). */
  get bytes(): number {
    return this.overlayBytes + (this.flat?.bytes ?? 0);
  }

  /** Applies one log record with Chroma's semantics (see @huedb/core applyLogRecord). */
  apply(record: LogRecord): void {
    const id = record.id;
    const tailRecord = this.appended.get(id);
    const position = tailRecord ? undefined : this.visiblePosition(id);
    const current =
      tailRecord ??
      (position === undefined
        ? undefined
        : (this.replaced.get(position) ?? this.segment!.record(position)));
    switch (record.operation) {
      case Operation.ADD:
      case Operation.UPSERT:
        if (current) {
          if (record.operation === Operation.UPSERT)
            this.store(id, position, mergeLogRecord(current, record));
        } else {
          const created = recordFromLog(record);
          if (created) this.store(id, undefined, created);
        }
        return;
      case Operation.UPDATE:
        if (current) this.store(id, position, mergeLogRecord(current, record));
        return;
      case Operation.DELETE:
        if (tailRecord) {
          this.overlayBytes -= estimateBytes(tailRecord);
          this.appended.delete(id);
          this.flat?.delete(this.appendedRanks.get(id)!);
          this.appendedRanks.delete(id);
        }
        if (position !== undefined) {
          const rewritten = this.replaced.get(position);
          if (rewritten) this.overlayBytes -= estimateBytes(rewritten);
          this.replaced.delete(position);
          this.hidden.add(position);
          this.flat?.delete(position);
        }
        return;
      case Operation.UNSPECIFIED:
        return;
    }
  }

  /** Every live record in first-insertion order. */
  *records(): Generator<LiveRecord> {
    const segment = this.segment;
    if (segment) {
      for (let position = 0; position < segment.size; position++) {
        const rewritten = this.replaced.get(position);
        if (rewritten) yield rewritten;
        else if (!this.hidden.has(position)) yield segment.record(position);
      }
    }
    yield* this.appended.values();
  }

  /**
   * Every live record in first-insertion order, as of now: later changes to the view (the tail
   * applied by other reads) do not show. Costs O(tail) up front; segment records are still read
   * lazily, so a scan that yields to the event loop can take them one at a time.
   */
  recordsAsOfNow(): Iterable<LiveRecord> {
    const segment = this.segment;
    const hidden = new Set(this.hidden);
    const replaced = new Map(this.replaced);
    const appended = [...this.appended.values()];
    return {
      *[Symbol.iterator]() {
        if (segment) {
          for (let position = 0; position < segment.size; position++) {
            const rewritten = replaced.get(position);
            if (rewritten) yield rewritten;
            else if (!hidden.has(position)) yield segment.record(position);
          }
        }
        yield* appended;
      },
    };
  }

  /** Records the tail changed or added, each with its rank in first-insertion order. */
  *overlay(): Generator<{ record: LiveRecord; rank: number }> {
    for (const [position, record] of this.replaced) yield { record, rank: position };
    for (const [id, record] of this.appended) yield { record, rank: this.appendedRanks.get(id)! };
  }

  /**
   * The records the tail changed or added as an exact k-NN index in `space` (entries' labels and
   * ranks are first-insertion ranks, values the records). Live: later changes to the view show,
   * so a caller that yields to the event loop must take {@link FlatIndex.entries} first.
   */
  tailIndex(space: Space): FlatIndex<LiveRecord> {
    if (this.flat?.space === space) return this.flat;
    const flat = new FlatIndex<LiveRecord>(space);
    for (const { record, rank } of this.overlay()) {
      flat.set({ label: rank, rank, vector: record.embedding, value: record });
    }
    this.flat = flat;
    return flat;
  }

  /** Whether a segment position still holds its original, live record (search it in the index). */
  segmentPositionUntouched(position: number): boolean {
    return !this.hidden.has(position) && !this.replaced.has(position);
  }

  /** Whether the tail touched any segment record (so index searches need a filter). */
  get touchesSegment(): boolean {
    return this.hidden.size > 0 || this.replaced.size > 0;
  }

  private visiblePosition(id: string): number | undefined {
    const position = this.segment?.positionOf(id);
    if (position === undefined) return undefined;
    if (this.hidden.has(position) && !this.replaced.has(position)) return undefined;
    return position;
  }

  private store(id: string, position: number | undefined, record: LiveRecord): void {
    let rank: number;
    if (position !== undefined) {
      const before = this.replaced.get(position);
      if (before) this.overlayBytes -= estimateBytes(before);
      this.replaced.set(position, record);
      this.hidden.add(position);
      rank = position;
    } else {
      const before = this.appended.get(id);
      if (before) this.overlayBytes -= estimateBytes(before);
      this.appended.set(id, record);
      rank = this.appendedRanks.get(id) ?? this.nextRank++;
      this.appendedRanks.set(id, rank);
    }
    this.overlayBytes += estimateBytes(record);
    this.flat?.set({ label: rank, rank, vector: record.embedding, value: record });
  }
}
