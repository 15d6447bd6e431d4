import { CatalogService } from '@huedb/proto/catalog';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { addService, createClient, createGrpcServer, listen } from '@huedb/grpc';
import { rendezvousPick } from '@huedb/core';
import { CollectionStateCache } from './collection-state.js';
import { loadQueryConfig } from './config.js';
import { startHeartbeat } from './membership.js';
import { createQueryHandlers } from './query.grpc.js';
import { QueryEngine } from './query.service.js';
import { LogTailSource } from './tail-reader.js';

const config = loadQueryConfig();
const catalog = createClient(CatalogService, config.catalogAddress);
const logs = new Map(config.logAddresses.map((a) => [a, createClient(LogService, a)]));
const tails = new LogTailSource((collectionId) =>
  rendezvousPick(collectionId, [...logs.keys()], logs.size).map((a) => logs.get(a)!),
);
const engine = new QueryEngine(new CollectionStateCache(tails, config.cacheBytes));

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
      process.exit(0);
    });
  });
}
