import type { Collection } from '@huedb/proto/catalog';
import type { PositionedBatch } from '@huedb/proto/log';
import { NotFoundError } from '@huedb/core';
import type { Segment, SegmentCache } from '@huedb/index';
import { ObjectNotFoundError } from '@huedb/storage';
import { CollectionView } from './operators/collection-view.js';
import type { TailSource } from './tail-reader.js';

/** Where segments come from (a SegmentCache in production). */
export type SegmentSource = Pick<SegmentCache, 'load'>;

/** A collection's view as of a log position, with what it was built from. */
interface CachedState {
  /** The segment version the view starts from (manifest key; '' = none). */
  manifestKey: string;
  /** The collection's log_position: the tail starts here. */
  fromPosition: bigint;
  /** Every batch below this position is applied (the parent tails first, when there are any). */
  toPosition: bigint;
  /** Whether the collection's parent tails (a fork's ancestors' log ranges) are applied. */
  parentTailsApplied: boolean;
  /** Log records applied on top of the segment: parent tails plus own tail. */
  unindexedRecords: number;
  view: CollectionView;
  /** Serializes catch-ups of one collection. */
  lock: Promise<unknown>;
}

/**
 * Keeps each collection's view (segment + materialized tail) between requests and catches it up
 * incrementally: a read at bound B only pulls the batches in [cached bound, B). A new segment
 * version (compaction) starts a fresh view. A fork that has not been compacted since forking
 * reads its ancestors' log ranges (parent tails, fixed bounds) right after its segment and before
 * its own tail. Bounded in bytes of overlay; least recently used collections are dropped first
 * and rebuilt on their next read.
 */
export class CollectionStateCache {
  private readonly states = new Map<string, CachedState>();

  constructor(
    private readonly tails: TailSource,
    private readonly segments: SegmentSource | undefined,
    private readonly maxBytes: number,
    /** Told, per read, how many log records its view applies over the segment (metrics). */
    private readonly onTail: (records: number) => void = () => {},
  ) {}

  /**
   * The collection's view including at least every batch below `toPosition` (a view that is
   * already further along is returned as is: it still holds every write the caller must see).
   * With `indexOnly`, the segment alone. Throws NotFound when the segment version is gone.
   */
  async read(
    collection: Collection,
    toPosition: bigint,
    indexOnly = false,
  ): Promise<CollectionView> {
    if (indexOnly) return new CollectionView(await this.segmentOf(collection));
    return (await this.catchUp(collection, toPosition)).view;
  }

  /**
   * Catches the collection's view up to `toPosition` ahead of any read (see TailWarmer), when
   * that is cheap to hold: the collection has a view already (it was read), or it has no segment
   * yet (the view is the tail alone; no segment is loaded for a collection nobody reads).
   * Returns the view when it did. A read after it only pulls what came since.
   */
  async warm(collection: Collection, toPosition: bigint): Promise<CollectionView | undefined> {
    if (collection.segmentManifestKey && !this.states.has(collection.id)) return undefined;
    return (await this.catchUp(collection, toPosition, false)).view;
  }

  /**
   * Log records of the collection that its segment does not hold yet, as of at least
   * `toPosition`: its parent tails plus its own tail (compaction lag, for indexing status).
   */
  async unindexedRecords(collection: Collection, toPosition: bigint): Promise<number> {
    return (await this.catchUp(collection, toPosition)).unindexedRecords;
  }

  private async catchUp(
    collection: Collection,
    toPosition: bigint,
    /** Whether a read asked (told to `onTail`), not a warm-up. */
    read = true,
  ): Promise<CachedState> {
    const segment = await this.segmentOf(collection);
    const id = collection.id;
    let state = this.states.get(id);
    if (
      !state ||
      state.fromPosition !== collection.logPosition ||
      state.manifestKey !== collection.segmentManifestKey
    ) {
      state = {
        manifestKey: collection.segmentManifestKey,
        fromPosition: collection.logPosition,
        toPosition: collection.logPosition,
        parentTailsApplied: collection.parentTails.length === 0,
        unindexedRecords: 0,
        view: new CollectionView(segment),
        lock: Promise.resolve(),
      };
    }
    // LRU: (re)inserting moves the collection to the end of the Map's order.
    this.states.delete(id);
    this.states.set(id, state);
    const current = state;
    const work = current.lock.then(async () => {
      if (!current.parentTailsApplied) {
        // All pulled before any is applied: a failed pull (retried by the next read) must not
        // leave half of the parent tails in the view.
        const ranges = await Promise.all(
          collection.parentTails.map((t) =>
            this.tails.pull(t.collectionId, t.fromPosition, t.toPosition),
          ),
        );
        for (const batches of ranges) this.applyBatches(current, batches);
        current.parentTailsApplied = true;
      }
      if (current.toPosition >= toPosition) return;
      this.applyBatches(current, await this.tails.pull(id, current.toPosition, toPosition));
      current.toPosition = toPosition;
    });
    current.lock = work.catch(() => {});
    await work;
    this.evict();
    if (read) this.onTail(current.unindexedRecords);
    return current;
  }

  private applyBatches(state: CachedState, batches: readonly PositionedBatch[]): void {
    for (const batch of batches) {
      for (const record of batch.records) state.view.apply(record);
      state.unindexedRecords += batch.records.length;
    }
  }

  /** Forgets a collection. */
  drop(collectionId: string): void {
    this.states.delete(collectionId);
  }

  private async segmentOf(collection: Collection): Promise<Segment | undefined> {
    // By key, not version: a fork is at version 0 on its source's segment.
    if (!collection.segmentManifestKey) return undefined;
    if (!this.segments) throw new Error('this query node has no object store for segments');
    try {
      return await this.segments.load(collection.segmentManifestKey);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) {
        // Compaction moved on and GC removed this version: the gateway refreshes and retries.
        throw new NotFoundError(
          `Segment version ${collection.version} of collection ${collection.id} is gone`,
        );
      }
      throw err;
    }
  }

  private evict(): void {
    let total = 0;
    for (const state of this.states.values()) total += state.view.bytes;
    for (const [id, state] of this.states) {
      if (total <= this.maxBytes || this.states.size <= 1) return;
      total -= state.view.bytes;
      this.states.delete(id);
    }
  }
}
