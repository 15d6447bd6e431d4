import path from 'node:path';
import { CatalogService } from '@huedb/proto/catalog';
import { CompactorService } from '@huedb/proto/compactor';
import { LogService } from '@huedb/proto/log';
import { addService, createClient, createGrpcServer, listen } from '@huedb/grpc';
import { rendezvousPick, startHeartbeat } from '@huedb/core';
import { SegmentCache } from '@huedb/index';
import { objectStoreFromEnv } from '@huedb/storage';
import { createCompactorHandlers } from './compactor.grpc.js';
import { Compactor } from './compactor.service.js';
import { loadCompactorConfig } from './config.js';

const config = loadCompactorConfig();
const catalog = createClient(CatalogService, config.catalogAddress);
const logs = new Map(config.logAddresses.map((a) => [a, createClient(LogService, a)]));
const store = objectStoreFromEnv();
const segments = new SegmentCache(store, path.join(config.workDir, 'segments'), 1024 * 1024 * 1024);
const compactor = new Compactor(
  {
    catalog,
    logsFor: (id) => rendezvousPick(id, [...logs.keys()], logs.size).map((a) => logs.get(a)!),
    store,
    segments,
  },
  config,
);

const server = createGrpcServer();
addService(server, CompactorService, createCompactorHandlers(compactor), {
  onInternalError: (method, err) => console.error(`${method} failed`, err),
});
const port = await listen(server, config.listen);
const address = config.listen.replace(/:\d+$/, `:${port}`);
const stopHeartbeat = await startHeartbeat(
  catalog,
  { id: config.memberId, role: 'compactor', address },
  config.heartbeatIntervalMs,
  (err) => console.error('heartbeat failed', err),
);
compactor.start();
console.log(
  `huedb compactor ${config.memberId} listening on ${address} (${config.enabled ? `every ${config.pollIntervalMs} ms, ≥${config.minRecords} records or ≥${config.maxAgeMs} ms` : 'on demand only'})`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stopHeartbeat();
    void compactor.stop().finally(() =>
      server.tryShutdown(() => {
        catalog.close();
        for (const log of logs.values()) log.close();
        store.close();
        process.exit(0);
      }),
    );
  });
}
