import { CatalogService } from '@huedb/proto/catalog';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { addService, createClient, createGrpcServer, listen } from '@huedb/grpc';
import { rendezvousPick } from '@huedb/core';
import { SegmentCache } from '@huedb/index';
import { grpcClientOptionsOf, type ServiceContext } from '@huedb/service';
import { hasObjectStore, objectStoreFromSettings } from '@huedb/storage';
import { CollectionStateCache } from './collection-state.js';
import type { QueryConfig } from './config.js';
import { createQueryHandlers } from './query.grpc.js';
import { queryMetrics, segmentCacheMetrics } from './query-metrics.js';
import { QueryEngine } from './query.service.js';
import { LogTailSource } from './tail-reader.js';

/**
 * Starts a query node on `config`: gRPC server, clients of the catalog and the log, the segment
 * cache when an object store is configured, and its heartbeat; registers the shutdown steps
 * (leave membership, finish in-flight reads, close clients). Resolves with the "started" line.
 */
export async function startQueryNode(
  config: QueryConfig,
  { log, onClose, heartbeat }: ServiceContext,
): Promise<string> {
  const link = grpcClientOptionsOf(config);
  const catalog = createClient(CatalogService, config.catalogAddress, link);
  const logs = new Map(config.logAddresses.map((a) => [a, createClient(LogService, a, link)]));
  onClose(() => {
    catalog.close();
    for (const client of logs.values()) client.close();
  });
  const tails = new LogTailSource((collectionId) =>
    rendezvousPick(collectionId, [...logs.keys()], logs.size).map((a) => logs.get(a)!),
  );
  // Query nodes without an object store configured serve tails only (no compactor deployed).
  const store = hasObjectStore(config) ? objectStoreFromSettings(config) : undefined;
  if (store) onClose(() => store.close());
  const segments = store
    ? new SegmentCache(
        store,
        config.segmentCacheDir,
        config.segmentCacheBytes,
        segmentCacheMetrics(log.child({ component: 'segment-cache' })),
      )
    : undefined;
  const metrics = queryMetrics();
  const engine = new QueryEngine(
    new CollectionStateCache(tails, segments, config.cacheBytes, metrics.tail),
  );

  const server = createGrpcServer();
  addService(server, QueryService, createQueryHandlers(engine, metrics), {
    onInternalError: (method, err) => log.error({ err, method }, `${method} failed`),
  });
  const port = await listen(server, config.listen, { tls: link.tls });
  // Finish in-flight reads, then leave; gateways stop routing here when the heartbeat ages out.
  onClose(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  const address = config.listen.replace(/:\d+$/, `:${port}`);
  await heartbeat(
    catalog,
    { id: config.memberId, role: 'query', address },
    config.heartbeatIntervalMs,
  );
  return `query node ${config.memberId} listening on ${address}`;
}
