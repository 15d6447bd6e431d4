import { CatalogService } from '@huedb/proto/catalog';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { addService, createClient, createGrpcServer, listen } from '@huedb/grpc';
import { rendezvousPick, startHeartbeat } from '@huedb/core';
import { SegmentCache } from '@huedb/index';
import { objectStoreFromEnv } from '@huedb/storage';
import { CollectionStateCache } from './collection-state.js';
import { loadQueryConfig } from './config.js';

import { createQueryHandlers } from './query.grpc.js';
import { QueryEngine } from './query.service.js';
import { LogTailSource } from './tail-reader.js';

const config = loadQueryConfig();
const catalog = createClient(CatalogService, config.catalogAddress);
const logs = new Map(config.logAddresses.map((a) => [a, createClient(LogService, a)]));
const tails = new LogTailSource((collectionId) =>
  rendezvousPick(collectionId, [...logs.keys()], logs.size).map((a) => logs.get(a)!),
);
// Query nodes without an object store configured serve tails only (no compactor deployed).
const store =
  process.env.HUEDB_S3_BUCKET || process.env.HUEDB_OBJECT_STORE_DIR
    ? objectStoreFromEnv()
    : undefined;
const segments = store
  ? new SegmentCache(store, config.segmentCacheDir, config.segmentCacheBytes)
  : undefined;
const engine = new QueryEngine(new CollectionStateCache(tails, segments, config.cacheBytes));

const server = createGrpcServer();
addService(server, QueryService, createQueryHandlers(engine), {
  onInternalError: (method, err) => console.error(`${method} failed`, err),
});
const port = await listen(server, config.listen);
const address = config.listen.replace(/:\d+$/, `:${port}`);
const stopHeartbeat = await startHeartbeat(
  catalog,
  { id: config.memberId, role: 'query', address },
  config.heartbeatIntervalMs,
  (err) => console.error('heartbeat failed', err),
);
console.log(`huedb query node ${config.memberId} listening on ${address}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stopHeartbeat();
    // Finish in-flight reads, then leave; gateways stop routing here when the heartbeat ages out.
    server.tryShutdown(() => {
      catalog.close();
      for (const log of logs.values()) log.close();
      store?.close();
      process.exit(0);
    });
  });
}
