import type { QueryService } from '@huedb/proto/query';
import type { ServiceHandlers } from '@huedb/grpc';
import type { QueryEngine } from './query.service.js';

/**
 * gRPC handlers of QueryService over a QueryEngine: decode, call, encode. The engine throws core's
 * domain errors; the gRPC server (or in-process client) maps them to their codes in one place.
 */
export function createQueryHandlers(engine: QueryEngine): ServiceHandlers<typeof QueryService> {
  return {
    get: (request) => engine.get(request),
    query: (request) => engine.query(request),
    count: (request) => engine.count(request),
    indexingStatus: (request) => engine.indexingStatus(request),
  };
}
