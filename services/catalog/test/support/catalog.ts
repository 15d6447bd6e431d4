import type { ServiceClient } from '@huedb/grpc';
import { createClient } from '@huedb/grpc';
import { createMailer, type MailerOptions } from '@huedb/service';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { CatalogService as CatalogServiceDescriptor } from '@huedb/proto/catalog';
import { ControlService as ControlServiceDescriptor } from '@huedb/proto/control';
import {
  createCatalogService,
  createControlService,
  loadMigrations,
  migrate,
  startCatalogServer,
  type CatalogServer,
  type SqlDriver,
} from '../../src/index.js';
import { openTestDriver, type DriverKind } from './drivers.js';

/** The catalog's gRPC client. */
export type CatalogClient = ServiceClient<typeof CatalogServiceDescriptor>;
/** The control plane's gRPC client (same server). */
export type ControlClient = ServiceClient<typeof ControlServiceDescriptor>;

/** A migrated catalog on a fresh database, served over real gRPC on 127.0.0.1. */
export interface RunningCatalog {
  driver: SqlDriver;
  server: CatalogServer;
  client: CatalogClient;
  control: ControlClient;
  /** Errors the server answered as INTERNAL (a test asserts there were none). */
  internalErrors: unknown[];
  stop(): Promise<void>;
}

/** How a test catalog is set up. */
export interface TestCatalogOptions {
  allowReset?: boolean;
  /** The control plane's SMTP server (e.g. the test infra's Mailpit); none = no mail. */
  mail?: MailerOptions;
}

/** Starts a catalog for one test file on a fresh database of the `kind` driver. */
export async function startTestCatalog(
  kind: DriverKind,
  prefix: string,
  options: TestCatalogOptions = {},
): Promise<RunningCatalog> {
  const database = await openTestDriver(kind, prefix, { maxConnections: 8 });
  const driver = database.driver;
  await migrate(driver, await loadMigrations());
  const internalErrors: unknown[] = [];
  const mailer = options.mail && createMailer(options.mail);
  const service = createCatalogService(driver, { allowReset: options.allowReset ?? false });
  const server = await startCatalogServer(service, '127.0.0.1:0', {
    control: createControlService(driver, { ...(mailer && { mailer }) }),
    onInternalError: (_method, err) => internalErrors.push(err),
  });
  const client = createClient(CatalogServiceDescriptor, `127.0.0.1:${server.port}`, {
    timeoutMs: 20_000,
  });
  const control = createClient(ControlServiceDescriptor, `127.0.0.1:${server.port}`, {
    timeoutMs: 20_000,
  });
  return {
    driver,
    server,
    client,
    control,
    internalErrors,
    async stop() {
      client.close();
      control.close();
      mailer?.close();
      await server.close(1_000);
      await database.dispose();
    },
  };
}

/** The catalog of one describe block's tests, and fresh names in it (see useTestCatalog). */
export interface CatalogTestContext {
  /** The running catalog (from the block's beforeAll on). */
  readonly catalog: RunningCatalog;
  /** Its client (callable from the block's beforeAll on). */
  readonly client: CatalogClient;
  /** Its control-plane client (callable from the block's beforeAll on). */
  readonly control: ControlClient;
  /** A name no other test of the block uses. */
  readonly fresh: (prefix: string) => string;
  /** A new tenant with one database; returns their names. */
  readonly scope: () => Promise<{ tenant: string; database: string }>;
}

/**
 * Registers the hooks every catalog test file needs — a catalog on a fresh `kind` database
 * started before the block's tests and stopped after them, and no call answered INTERNAL in any
 * test — and returns the block's context. Call it at the top of a describe block.
 */
export function useTestCatalog(
  kind: DriverKind,
  prefix: string,
  options: TestCatalogOptions | (() => TestCatalogOptions) = {},
): CatalogTestContext {
  let running: RunningCatalog | undefined;
  let n = 0;
  beforeAll(async () => {
    // A function is read in beforeAll, where inject() (the test infra) is available.
    running = await startTestCatalog(
      kind,
      prefix,
      typeof options === 'function' ? options() : options,
    );
  });
  afterEach(() => {
    expect(running!.internalErrors).toEqual([]);
  });
  afterAll(async () => {
    await running?.stop();
  });
  const context: CatalogTestContext = {
    get catalog() {
      if (!running) throw new Error('the test catalog starts in beforeAll');
      return running;
    },
    // Usable before beforeAll has run (destructured at the top of a block), they forward each
    // call to the running catalog's clients.
    client: forwarding(() => context.catalog.client),
    control: forwarding(() => context.catalog.control),
    fresh: (prefix) => `${prefix}-${++n}`,
    scope: async () => {
      const tenant = context.fresh('tenant');
      const database = context.fresh('db');
      await context.client.createTenant({ name: tenant });
      await context.client.createDatabase({ tenant, name: database });
      return { tenant, database };
    },
  };
  return context;
}

/** An object that forwards every property read to `real()`, looked up at call time. */
function forwarding<T extends object>(real: () => T): T {
  return new Proxy({} as T, {
    get: (_, property) => {
      const target = real();
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
