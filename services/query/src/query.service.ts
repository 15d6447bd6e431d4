import type { MessageInitShape } from '@bufbuild/protobuf';
import type {
  CountRequest,
  CountResponseSchema,
  GetRequest,
  GetResponseSchema,
  QueryRequest,
  QueryResponseSchema,
  ReadScope,
  RecordSchema,
} from '@huedb/proto/query';
import { embeddingFromBytes, InvalidArgumentError, type Space } from '@huedb/core';
import { BRUTE_FORCE_MIN_ADMITTED } from '@huedb/index';
import type { CollectionStateCache } from './collection-state.js';
import type { CollectionView } from './operators/collection-view.js';
import { compileFilter, type RecordPredicate } from './operators/filter.js';
import { bruteForceKnn, compareNeighbours, type Neighbour } from './operators/knn.js';
import { project } from './operators/project.js';

/** Extra neighbours asked of HNSW so that ties at the k-th place can be ordered. */
const TIE_MARGIN = 8;

/**
 * Reads over a collection = its compacted segment + its log tail:
 *
 *   scope ─▶ view (segment V ⊕ tail [log_position, bound)) ─▶ filter ─▶ page | knn ─▶ project
 *
 * knn searches the segment's HNSW index, excluding every record the tail touched, and brute-forces
 * the tail's records; the two are merged by distance (ties by insertion order).
 */
export class QueryEngine {
  constructor(private readonly states: CollectionStateCache) {}

  async get(request: GetRequest): Promise<MessageInitShape<typeof GetResponseSchema>> {
    const view = await this.viewOf(request.scope);
    const matches = compileFilter(request.filter);
    const limit = request.limit ?? Number.POSITIVE_INFINITY;
    const out: MessageInitShape<typeof RecordSchema>[] = [];
    if (limit <= 0) return { records: out };
    let skipped = 0;
    for (const record of view.records()) {
      if (matches && !matches(record)) continue;
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
    const matches = compileFilter(request.filter);
    const { space, efSearch } = searchSettings(scope);
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
    const overlay = [...view.overlay()].filter(({ record }) => !matches || matches(record));
    const segmentFilter = this.segmentFilter(view, matches);
    return {
      results: queries.map((query) => {
        const candidates: Neighbour[] = bruteForceKnn(query, overlay, k, space);
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
      }),
    };
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
  private segmentFilter(
    view: CollectionView,
    matches: RecordPredicate | undefined,
  ): { admits?: (position: number) => boolean; admittedCount?: number } {
    const segment = view.segment;
    if (!segment || (!matches && !view.touchesSegment)) return {};
    if (!matches) return { admits: (position) => view.segmentPositionUntouched(position) };
    const mask = new Uint8Array(segment.size);
    let admittedCount = 0;
    for (let position = 0; position < segment.size; position++) {
      if (view.segmentPositionUntouched(position) && matches(segment.record(position))) {
        mask[position] = 1;
        admittedCount++;
      }
    }
    return { admits: (position) => mask[position] === 1, admittedCount };
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

/** The collection's distance space and ef_search, from its normalized configuration. */
function searchSettings(scope: ReadScope): { space: Space; efSearch: number } {
  const configuration = JSON.parse(scope.collection!.configurationJson || '{}') as {
    hnsw?: { space?: Space; ef_search?: number } | null;
    spann?: { space?: Space; search_nprobe?: number } | null;
  };
  return {
    space: configuration.hnsw?.space ?? configuration.spann?.space ?? 'l2',
    efSearch: configuration.hnsw?.ef_search ?? 100,
  };
}
