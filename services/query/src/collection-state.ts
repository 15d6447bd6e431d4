import { applyBatches } from './operators/materialize.js';
import { estimateBytes, type RecordSet } from './operators/record-set.js';
import type { TailSource } from './tail-reader.js';

/** A collection's materialized records as of a log position. */
interface CachedState {
  /** The segment position the tail was read from (the collection's log_position). */
  fromPosition: bigint;
  /** Every batch below this position is applied. */
  toPosition: bigint;
  records: RecordSet;
  bytes: number;
  /** Serializes catch-ups of one collection. */
  lock: Promise<unknown>;
}

/**
 * Keeps each collection's materialized tail between requests and catches it up incrementally:
 * a read at bound B only pulls the batches in [cached bound, B). Bounded in bytes; the least
 * recently used collections are dropped first and rebuilt from the log on their next read.
 */
export class CollectionStateCache {
  private readonly states = new Map<string, CachedState>();
  private totalBytes = 0;

  constructor(
    private readonly tails: TailSource,
    private readonly maxBytes: number,
  ) {}

  /**
   * The collection's records including at least every batch below `toPosition`. A state that is
   * already further along is returned as is: it still contains every write the caller must see.
   */
  async read(collectionId: string, fromPosition: bigint, toPosition: bigint): Promise<RecordSet> {
    let state = this.states.get(collectionId);
    if (!state || state.fromPosition !== fromPosition) {
      if (state) this.drop(collectionId);
      state = {
        fromPosition,
        toPosition: fromPosition,
        records: new Map(),
        bytes: 0,
        lock: Promise.resolve(),
      };
      this.states.set(collectionId, state);
    }
    // LRU: re-inserting moves the collection to the end of the Map's order.
    this.states.delete(collectionId);
    this.states.set(collectionId, state);
    const current = state;
    const work = current.lock.then(async () => {
      if (current.toPosition >= toPosition) return;
      const batches = await this.tails.pull(collectionId, current.toPosition, toPosition);
      const touched = new Set<string>();
      for (const batch of batches) for (const record of batch.records) touched.add(record.id);
      let delta = 0;
      for (const id of touched) {
        const before = current.records.get(id);
        if (before) delta -= estimateBytes(before);
      }
      applyBatches(current.records, batches);
      for (const id of touched) {
        const after = current.records.get(id);
        if (after) delta += estimateBytes(after);
      }
      current.toPosition = toPosition;
      current.bytes += delta;
      this.totalBytes += delta;
    });
    current.lock = work.catch(() => {});
    await work;
    this.evict();
    return current.records;
  }

  /** Forgets a collection (deleted, or its segment moved on). */
  drop(collectionId: string): void {
    const state = this.states.get(collectionId);
    if (!state) return;
    this.totalBytes -= state.bytes;
    this.states.delete(collectionId);
  }

  private evict(): void {
    for (const [id] of this.states) {
      if (this.totalBytes <= this.maxBytes || this.states.size <= 1) return;
      this.drop(id);
    }
  }
}
