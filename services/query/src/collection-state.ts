import type { Collection } from '@huedb/proto/catalog';
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
  /** Every batch below this position is applied. */
  toPosition: bigint;
  view: CollectionView;
  /** Serializes catch-ups of one collection. */
  lock: Promise<unknown>;
}

/**
 * Keeps each collection's view (segment + materialized tail) between requests and catches it up
 * incrementally: a read at bound B only pulls the batches in [cached bound, B). A new segment
 * version (compaction) starts a fresh view. Bounded in bytes of overlay; least recently used
 * collections are dropped first and rebuilt on their next read.
 */
export class CollectionStateCache {
  private readonly states = new Map<string, CachedState>();

  constructor(
    private readonly tails: TailSource,
    private readonly segments: SegmentSource | undefined,
    private readonly maxBytes: number,
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
    const segment = await this.segmentOf(collection);
    if (indexOnly) return new CollectionView(segment);
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
        view: new CollectionView(segment),
        lock: Promise.resolve(),
      };
    }
    // LRU: (re)inserting moves the collection to the end of the Map's order.
    this.states.delete(id);
    this.states.set(id, state);
    const current = state;
    const work = current.lock.then(async () => {
      if (current.toPosition >= toPosition) return;
      const batches = await this.tails.pull(id, current.toPosition, toPosition);
      for (const batch of batches) for (const record of batch.records) current.view.apply(record);
      current.toPosition = toPosition;
    });
    current.lock = work.catch(() => {});
    await work;
    this.evict();
    return current.view;
  }

  /** Forgets a collection. */
  drop(collectionId: string): void {
    this.states.delete(collectionId);
  }

  private async segmentOf(collection: Collection): Promise<Segment | undefined> {
    if (collection.version === 0n || !collection.segmentManifestKey) return undefined;
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
