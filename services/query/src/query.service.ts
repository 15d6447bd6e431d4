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
import type { CollectionStateCache } from './collection-state.js';
import { compileFilter } from './operators/filter.js';
import { bruteForceKnn } from './operators/knn.js';
import { project } from './operators/project.js';
import type { RecordSet } from './operators/record-set.js';

/**
 * Reads over a collection = its compacted segment (none yet: issue 4) + its log tail.
 *
 *   scope ─▶ state cache (pull tail [log_position, bound) ─▶ materialize) ─▶ filter ─▶ knn/page ─▶ project
 */
export class QueryEngine {
  constructor(private readonly states: CollectionStateCache) {}

  async get(request: GetRequest): Promise<MessageInitShape<typeof GetResponseSchema>> {
    const records = await this.recordsOf(request.scope);
    const matches = compileFilter(request.filter);
    const offset = request.offset;
    const limit = request.limit ?? Number.POSITIVE_INFINITY;
    const out: MessageInitShape<typeof RecordSchema>[] = [];
    let skipped = 0;
    if (limit > 0) {
      for (const record of records.values()) {
        if (!matches(record)) continue;
        if (skipped < offset) {
          skipped++;
          continue;
        }
        out.push(project(record, request.include));
        if (out.length >= limit) break;
      }
    }
    return { records: out };
  }

  async query(request: QueryRequest): Promise<MessageInitShape<typeof QueryResponseSchema>> {
    const scope = requireScope(request.scope);
    const records = await this.recordsOf(scope);
    const matches = compileFilter(request.filter);
    const candidates = [...records.values()].filter(matches);
    const space = spaceOf(scope);
    return {
      results: request.queryEmbeddings.map((bytes) => {
        const vector = embeddingFromBytes(bytes);
        const neighbours = bruteForceKnn(vector, candidates, request.nResults, space);
        return { records: neighbours.map((n) => project(n.record, request.include, n.distance)) };
      }),
    };
  }

  async count(request: CountRequest): Promise<MessageInitShape<typeof CountResponseSchema>> {
    const records = await this.recordsOf(request.scope);
    return { count: BigInt(records.size) };
  }

  private async recordsOf(scope: ReadScope | undefined): Promise<RecordSet> {
    const { collection, toPosition, indexOnly } = requireScope(scope);
    if (indexOnly) return new Map(); // no compacted segment before issue 4
    return this.states.read(collection!.id, collection!.logPosition, toPosition);
  }
}

function requireScope(scope: ReadScope | undefined): ReadScope {
  if (!scope?.collection?.id)
    throw new InvalidArgumentError('A read needs a scope with a collection');
  return scope;
}

/** The collection's distance space, from its normalized configuration. */
function spaceOf(scope: ReadScope): Space {
  const configuration = JSON.parse(scope.collection!.configurationJson || '{}') as {
    hnsw?: { space?: Space } | null;
    spann?: { space?: Space } | null;
  };
  return configuration.hnsw?.space ?? configuration.spann?.space ?? 'l2';
}
