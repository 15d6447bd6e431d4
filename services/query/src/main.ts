/**
 * A query node: serves QueryService over gRPC from segments (object store) and log tails, and
 * heartbeats so gateways route to it; on SIGTERM/SIGINT leaves membership, finishes in-flight
 * reads, then exits. Settings: docs/configuration.md.
 */
import { CatalogService } from '@huedb/proto/catalog';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { addService, createClient, createGrpcServer, listen } from '@huedb/grpc';
import { rendezvousPick } from '@huedb/core';
import { SegmentCache } from '@huedb/index';
import { runService } from '@huedb/service';
import { hasObjectStore, objectStoreFromSettings } from '@huedb/storage';
import { CollectionStateCache } from './collection-state.js';
import { loadQueryConfig } from './config.js';
import { createQueryHandlers } from './query.grpc.js';
import { segmentCacheMetrics } from './query-metrics.js';
import { QueryEngine } from './query.service.js';
import { LogTailSource } from './tail-reader.js';

await runService({
  name: 'query',
  load: loadQueryConfig,
  async start(config, { log, onClose, heartbeat }) {
    const catalog = createClient(CatalogService, config.catalogAddress);
    const logs = new Map(config.logAddresses.map((a) => [a, createClient(LogService, a)]));
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
          segmentCacheMetrics(),
        )
      : undefined;
    const engine = new QueryEngine(new CollectionStateCache(tails, segments, config.cacheBytes));

    const server = createGrpcServer();
    addService(server, QueryService, createQueryHandlers(engine), {
      onInternalError: (method, err) => log.error({ err, method }, `${method} failed`),
    });
    const port = await listen(server, config.listen);
    // Finish in-flight reads, then leave; gateways stop routing here when the heartbeat ages out.
    onClose(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
    const address = config.listen.replace(/:\d+$/, `:${port}`);
    await heartbeat(
      catalog,
      { id: config.memberId, role: 'query', address },
      config.heartbeatIntervalMs,
    );
    return `query node ${config.memberId} listening on ${address}`;
  },
});
