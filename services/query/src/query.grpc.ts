import type { QueryService } from '@huedb/proto/query';
import { RpcError, type ServiceHandlers } from '@huedb/grpc';
import { grpcCodeOf, isHueDbError } from '@huedb/core';
import type { QueryEngine } from './query.service.js';

/** gRPC handlers of QueryService over a QueryEngine: decode, call, encode; errors keep their codes. */
export function createQueryHandlers(engine: QueryEngine): ServiceHandlers<typeof QueryService> {
  return {
    get: (request) => withCodes(() => engine.get(request)),
    query: (request) => withCodes(() => engine.query(request)),
    count: (request) => withCodes(() => engine.count(request)),
    indexingStatus: (request) => withCodes(() => engine.indexingStatus(request)),
  };
}

async function withCodes<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isHueDbError(err)) throw new RpcError(grpcCodeOf(err), err.message);
    throw err;
  }
}
