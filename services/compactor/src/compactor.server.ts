import path from 'node:path';
import { CatalogService } from '@huedb/proto/catalog';
import { CompactorService } from '@huedb/proto/compactor';
import { LogService } from '@huedb/proto/log';
import { addService, createClient, createGrpcServer, listen } from '@huedb/grpc';
import { rendezvousPick } from '@huedb/core';
import { SegmentCache } from '@huedb/index';
import { grpcClientOptionsOf, type ServiceContext } from '@huedb/service';
import { objectStoreFromSettings } from '@huedb/storage';
import { createCompactorHandlers } from './compactor.grpc.js';
import { Compactor } from './compactor.service.js';
import type { CompactorProcessConfig } from './config.js';

/**
 * Starts a compactor on `config`: its gRPC API, clients of the catalog, the log and the object
 * store, its heartbeat and its polling loop; registers the shutdown steps (finish the round in
 * progress, leave membership, drain, close clients). Resolves with the "started" line.
 */
export async function startCompactor(
  config: CompactorProcessConfig,
  { log, onClose, heartbeat }: ServiceContext,
): Promise<string> {
  const link = grpcClientOptionsOf(config);
  const catalog = createClient(CatalogService, config.catalogAddress, link);
  const logs = new Map(config.logAddresses.map((a) => [a, createClient(LogService, a, link)]));
  const store = objectStoreFromSettings(config);
  onClose(() => {
    catalog.close();
    for (const client of logs.values()) client.close();
    store.close();
  });
  const segments = new SegmentCache(store, path.join(config.workDir, 'segments'), 1024 ** 3);
  const compactor = new Compactor(
    {
      catalog,
      logsFor: (id) => rendezvousPick(id, [...logs.keys()], logs.size).map((a) => logs.get(a)!),
      store,
      segments,
    },
    config,
    log,
  );
  const server = createGrpcServer();
  addService(server, CompactorService, createCompactorHandlers(compactor), {
    onInternalError: (method, err) => log.error({ err, method }, `${method} failed`),
  });
  const port = await listen(server, config.listen, { tls: link.tls });
  onClose(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  const address = config.listen.replace(/:\d+$/, `:${port}`);
  await heartbeat(
    catalog,
    { id: config.memberId, role: 'compactor', address },
    config.heartbeatIntervalMs,
  );
  compactor.start();
  onClose(() => compactor.stop());
  const schedule = config.enabled
    ? `every ${config.pollIntervalMs} ms, ≥${config.minRecords} records or ≥${config.maxAgeMs} ms`
    : 'on demand only';
  return `compactor ${config.memberId} listening on ${address} (${schedule})`;
}
