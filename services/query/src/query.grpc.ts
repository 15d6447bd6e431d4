import type { QueryService } from '@huedb/proto/query';
import type { ServiceHandlers } from '@huedb/grpc';
import type { QueryObserver } from './query-metrics.js';
import type { QueryEngine } from './query.service.js';

/**
 * gRPC handlers of QueryService over a QueryEngine: decode, call, encode. The engine throws core's
 * domain errors; the gRPC server (or in-process client) maps them to their codes in one place.
 * Each read is timed for `observer` (huedb_query_seconds), outcome `ok` or the error's class.
 */
export function createQueryHandlers(
  engine: QueryEngine,
  observer?: Pick<QueryObserver, 'read'>,
): ServiceHandlers<typeof QueryService> {
  const timed = async <T>(operation: string, read: () => Promise<T>): Promise<T> => {
    if (!observer) return read();
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await read();
      observer.read(operation, seconds(), 'ok');
      return result;
    } catch (err) {
      observer.read(operation, seconds(), err instanceof Error ? err.constructor.name : 'unknown');
      throw err;
    }
  };
  return {
    get: (request) => timed('get', () => engine.get(request)),
    query: (request) => timed('query', () => engine.query(request)),
    count: (request) => timed('count', () => engine.count(request)),
    indexingStatus: (request) => timed('indexing_status', () => engine.indexingStatus(request)),
  };
}
