import type { ServiceClient } from '@huedb/grpc';
import { createClient } from '@huedb/grpc';
import { CatalogService as CatalogServiceDescriptor } from '@huedb/proto/catalog';
import {
  createCatalogService,
  loadMigrations,
  migrate,
  startCatalogServer,
  type CatalogServer,
  type SqlDriver,
} from '../../src/index.js';
import { openTestDriver, type DriverKind } from './drivers.js';

/** The catalog's gRPC client. */
export type CatalogClient = ServiceClient<typeof CatalogServiceDescriptor>;

/** A migrated catalog on a fresh database, served over real gRPC on 127.0.0.1. */
export interface RunningCatalog {
  driver: SqlDriver;
  server: CatalogServer;
  client: CatalogClient;
  /** Errors the server answered as INTERNAL (a test asserts there were none). */
  internalErrors: unknown[];
  stop(): Promise<void>;
}

/** Starts a catalog for one test file on a fresh database of the `kind` driver. */
export async function startTestCatalog(
  kind: DriverKind,
  prefix: string,
  options: { allowReset?: boolean } = {},
): Promise<RunningCatalog> {
  const database = await openTestDriver(kind, prefix, { maxConnections: 8 });
  const driver = database.driver;
  await migrate(driver, await loadMigrations());
  const internalErrors: unknown[] = [];
  const service = createCatalogService(driver, { allowReset: options.allowReset ?? false });
  const server = await startCatalogServer(service, '127.0.0.1:0', {
    onInternalError: (_method, err) => internalErrors.push(err),
  });
  const client = createClient(CatalogServiceDescriptor, `127.0.0.1:${server.port}`, {
    timeoutMs: 20_000,
  });
  return {
    driver,
    server,
    client,
    internalErrors,
    async stop() {
      client.close();
      await server.close(1_000);
      await database.dispose();
    },
  };
}
