import type { MessageInitShape } from '@bufbuild/protobuf';
import type {
  CountRequest,
  CountResponseSchema,
  GetRequest,
  IndexingStatusRequest,
  IndexingStatusResponseSchema,
  GetResponseSchema,
  QueryRequest,
  QueryResponseSchema,
  ReadScope,
  RecordSchema,
} from '@huedb/proto/query';
import type { Collection } from '@huedb/proto/catalog';
import {
  CollectionSettingsCache,
  embeddingFromBytes,
  InvalidArgumentError,
  type CollectionSettings,
  type LiveRecord,
} from '@huedb/core';
import {
  BRUTE_FORCE_MIN_ADMITTED,
  scanNearest,
  type FlatEntry,
  type FlatNeighbor,
} from '@huedb/index';
import type { CollectionStateCache } from './collection-state.js';
import type { CollectionView } from './operators/collection-view.js';
import { compileFilter, Slicer, type RecordFilter } from './operators/filter.js';
import { compareNeighbours, type Neighbour } from './operators/knn.js';
import { project } from './operators/project.js';

/** Extra neighbours asked of HNSW so that ties at the k-th place can be ordered. */
const TIE_MARGIN = 8;

/** Which segment positions a search may return, and how many (when a filter counted them). */
interface SegmentFilter {
  admits?: (position: number) => boolean;
  admittedCount?: number;
}

/**
 * Reads over a collection = its compacted segment + its log tail:
 *
 *   scope ─▶ view (segment V ⊕ tail [log_position, bound)) ─▶ filter ─▶ page | knn ─▶ project
 *
 * knn searches the segment's HNSW index, excluding every record the tail touched, and the tail's
 * exact index (@huedb/index FlatIndex: hnswlib's SIMD brute force, distances recomputed exactly);
 * the two are merged by distance (ties by insertion order).
 */
export class QueryEngine {
  /** Each collection's configuration and schema, parsed once per change (not per request). */
  private readonly settings = new CollectionSettingsCache();

  constructor(private readonly states: CollectionStateCache) {}

  async get(request: GetRequest): Promise<MessageInitShape<typeof GetResponseSchema>> {
    const scope = requireScope(request.scope);
    const slicer = new Slicer();
    const filter = compileFilter(request.filter, slicer, this.settingsOf(scope).schema);
    const view = await this.viewOf(scope);
    const limit = request.limit ?? Number.POSITIVE_INFINITY;
    const out: MessageInitShape<typeof RecordSchema>[] = [];
    if (limit <= 0) return { records: out };
    let skipped = 0;
    // A filtered scan may yield to the event loop (see Slicer); the view is live (the tail is
    // applied to it by other reads), so the scan reads it as of now: it sees one state.
    const records = filter ? view.recordsAsOfNow() : view.records();
    for (const record of records) {
      if (filter) {
        const verdict = filter.matches(record);
        const ok = typeof verdict === 'boolean' ? verdict : await verdict;
        if (slicer.due()) await slicer.yield();
        if (!ok) continue;
      }
      if (skipped < request.offset) {
        skipped++;
        continue;
      }
      out.push(project(record, request.include));
      if (out.length >= limit) break;
    }
    return { records: out };
  }

  async query(request: QueryRequest): Promise<MessageInitShape<typeof QueryResponseSchema>> {
    const scope = requireScope(request.scope);
    const view = await this.viewOf(scope);
    const slicer = new Slicer();
    const { schema, hnsw } = this.settingsOf(scope);
    const filter = compileFilter(request.filter, slicer, schema);
    const space = hnsw.space;
    // Chroma accepts ef_search 0; the search uses max(ef, k) anyway, and hnswlib needs ef ≥ 1.
    const efSearch = Math.max(1, hnsw.ef_search);
    // No query returns more than the collection holds; clamping keeps an n_results of up to
    // 2^32 - 1 (Chroma's u32, allowed without plan limits) from reaching the index as `ef`.
    const k = Math.min(request.nResults, view.size);
    const queries = request.queryEmbeddings.map(embeddingFromBytes);
    // The row the gateway sent may predate the write that fixed the dimension (its cache is
    // short-lived, not coherent): check against the records themselves, or a vector of another
    // length would get NaN distances instead of Chroma's 400.
    const dimension = scope.collection!.dimension ?? view.dimension;
    for (const query of queries) {
      if (dimension !== undefined && query.length !== dimension) {
        throw new InvalidArgumentError(
          `Collection expecting embedding with dimension of ${dimension}, got ${query.length}`,
        );
      }
    }
    const tail = view.tailIndex(space);
    const search = (
      query: Float32Array,
      nearestInTail: FlatNeighbor<LiveRecord>[],
      segmentFilter: SegmentFilter,
    ) => {
      const candidates: Neighbour[] = nearestInTail.map(({ value, rank, distance }) => ({
        record: value,
        rank,
        distance,
      }));
      const segment = view.segment;
      if (segment && segment.size > 0 && segmentFilter.admittedCount !== 0) {
        // Small segments are searched exactly (cheaper than HNSW there, and ties at the k-th
        // place then follow insertion order as they do for tails); HNSW is asked for a few
        // extra neighbours so ties at the cut-off are decided by insertion order, not the graph.
        const exact = segment.size <= BRUTE_FORCE_MIN_ADMITTED;
        const hits = segment.search(query, exact ? k : k + TIE_MARGIN, {
          efSearch,
          ...segmentFilter,
          strategy: exact ? 'brute-force' : 'auto',
        });
        for (const hit of hits) {
          candidates.push({
            record: segment.record(hit.position),
            rank: hit.position,
            distance: hit.distance,
          });
        }
      }
      const nearest = candidates.sort(compareNeighbours).slice(0, k);
      return { records: nearest.map((n) => project(n.record, request.include, n.distance)) };
    };
    if (!filter) {
      // Nothing below yields to the event loop, so the tail (which other reads' catch-ups change)
      // and the segment mask are searched in one state of the view, without copying either.
      const untouched = this.untouchedMask(view);
      const segmentFilter = untouched ? { admits: (p: number) => untouched[p] === 1 } : {};
      return {
        results: queries.map((query) => search(query, tail.nearest(query, k), segmentFilter)),
      };
    }
    // Both are taken before any yield to the event loop, so they describe one state of the view.
    const tailEntries = tail.entries();
    const untouched = this.untouchedMask(view);
    const admitted: FlatEntry<LiveRecord>[] = [];
    for (const entry of tailEntries) {
      const verdict = filter.matches(entry.value);
      if (typeof verdict === 'boolean' ? verdict : await verdict) admitted.push(entry);
      if (slicer.due()) await slicer.yield();
    }
    const segmentFilter = await this.segmentFilter(view, untouched, filter, slicer);
    return {
      results: queries.map((query) =>
        search(query, scanNearest(admitted, query, k, space), segmentFilter),
      ),
    };
  }

  /**
   * Applies the collection's tail up to `toPosition` ahead of reads, and builds the tail's k-NN
   * index in the collection's space (see TailWarmer): the next query searches at once.
   */
  async warm(collection: Collection, toPosition: bigint): Promise<void> {
    const view = await this.states.warm(collection, toPosition);
    view?.tailIndex(this.settings.of(collection).hnsw.space);
  }

  async count(request: CountRequest): Promise<MessageInitShape<typeof CountResponseSchema>> {
    const view = await this.viewOf(request.scope);
    return { count: BigInt(view.size) };
  }

  /**
   * Which segment positions a search may return: untouched by the tail and passing the filter.
   * With a filter, the mask is computed once per request (not per query vector), and its count
   * lets the segment pick HNSW or brute force.
   */
  private async segmentFilter(
    view: CollectionView,
    untouched: Uint8Array | undefined,
    filter: RecordFilter | undefined,
    slicer: Slicer,
  ): Promise<SegmentFilter> {
    const segment = view.segment;
    if (!segment || (!filter && !untouched)) return {};
    if (!filter) return { admits: (position) => untouched![position] === 1 };
    const mask = new Uint8Array(segment.size);
    let admittedCount = 0;
    for (let position = 0; position < segment.size; position++) {
      if (untouched && untouched[position] !== 1) continue;
      const verdict = filter.matches(segment.record(position));
      if (typeof verdict === 'boolean' ? verdict : await verdict) {
        mask[position] = 1;
        admittedCount++;
      }
      if (slicer.due()) await slicer.yield();
    }
    return { admits: (position) => mask[position] === 1, admittedCount };
  }

  /** Log records the collection's segment does not hold yet (parent tails + own tail). */
  async indexingStatus(
    request: IndexingStatusRequest,
  ): Promise<MessageInitShape<typeof IndexingStatusResponseSchema>> {
    const { collection, toPosition } = requireScope(request.scope);
    const unindexed = await this.states.unindexedRecords(collection!, toPosition);
    return { unindexedRecords: BigInt(unindexed) };
  }

  private settingsOf(scope: ReadScope): CollectionSettings {
    return this.settings.of(scope.collection!);
  }

  /** Segment positions the tail has not touched (1), as of now; undefined when it touched none. */
  private untouchedMask(view: CollectionView): Uint8Array | undefined {
    const segment = view.segment;
    if (!segment || !view.touchesSegment) return undefined;
    const mask = new Uint8Array(segment.size);
    for (let position = 0; position < segment.size; position++) {
      if (view.segmentPositionUntouched(position)) mask[position] = 1;
    }
    return mask;
  }

  private async viewOf(scope: ReadScope | undefined): Promise<CollectionView> {
    const { collection, toPosition, indexOnly } = requireScope(scope);
    return this.states.read(collection!, toPosition, indexOnly);
  }
}

function requireScope(scope: ReadScope | undefined): ReadScope {
  if (!scope?.collection?.id)
    throw new InvalidArgumentError('A read needs a scope with a collection');
  return scope;
}
