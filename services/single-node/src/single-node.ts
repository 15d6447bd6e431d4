import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CatalogService } from '@huedb/proto/catalog';
import { ControlService } from '@huedb/proto/control';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { Code, inProcessClient, RpcError } from '@huedb/grpc';
import { startHeartbeat } from '@huedb/core';
import { createCatalogHandlers, createControlHandlers, openPGliteCatalog } from '@huedb/catalog';
import { createLogHandlers } from '@huedb/log';
import { LocalWal } from '@huedb/wal/local';
import { createFsObjectStore } from '@huedb/storage';
import { SegmentCache } from '@huedb/index';
import {
  CollectionStateCache,
  createQueryHandlers,
  LogTailSource,
  QueryEngine,
  TailWarmer,
  queryMetrics,
  segmentCacheMetrics,
} from '@huedb/query';
import { Compactor, loadCompactorConfig, type CompactorConfig } from '@huedb/compactor';
import { createGatewayApp, loadGatewayConfig, loadPlans, type Backends } from '@huedb/gateway';
import { registerTailMetrics, walMetrics } from '@huedb/log';
import { asSources, createLogger, loadSettings, mailSettings, type Logger } from '@huedb/service';
import { instrumentWal } from '@huedb/wal';

/** How to run single-node HueDB. */
export interface SingleNodeOptions {
  /** The data directory (created if missing). */
  path: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Allow POST /api/v2/reset (tests). */
  allowReset?: boolean;
  /** Authenticate and authorize every route (HUEDB_AUTH / `--auth`); default: the env's, else off. */
  auth?: boolean;
  /** The bootstrap admin credential (HUEDB_ADMIN_TOKEN); default: the env's. */
  adminToken?: string | undefined;
  /**
   * The gateway's and the compactor's settings (HUEDB_RPC_TIMEOUT_MS, HUEDB_COMPACTION_*, ...),
   * read as those services read them. Default: process.env.
   */
  env?: NodeJS.ProcessEnv;
  /** Overrides of what `env` says (e.g. from flags or a config file). */
  rpcTimeoutMs?: number;
  collectionCacheMs?: number;
  compactor?: Partial<
    Pick<CompactorConfig, 'minRecords' | 'maxAgeMs' | 'pollIntervalMs' | 'gcGraceMs' | 'enabled'>
  >;
  /** Where log lines go (default: a JSON logger on stdout). */
  logger?: Logger;
}

/** A running single-node HueDB. */
export interface SingleNode {
  /** Base URL of the Chroma API, e.g. http://127.0.0.1:8000. */
  url: string;
  /**
   * The control plane (users, API keys, audit) in this process: how an embedder or a test makes
   * keys of a node started with auth on without going through HTTP (the admin API is the other way).
   */
  control: Backends['control'];
  /** Stops accepting requests, finishes in-flight work, flushes and closes the data directory. */
  close(): Promise<void>;
}

const MEMBER = { id: 'single-node', role: 'query', address: 'in-process' };

/**
 * Starts gateway, catalog, log, compactor and query in this process, wired through the same
 * interfaces as the cluster (in-process clients instead of gRPC, so behaviour cannot diverge):
 * catalog on PGlite, log on local files (fsync before ack), segments on the filesystem.
 */
export async function startSingleNode(options: SingleNodeOptions): Promise<SingleNode> {
  const logger = options.logger ?? createLogger({ service: 'single-node' });
  const env = options.env ?? process.env;
  const dir = path.resolve(options.path);
  await mkdir(dir, { recursive: true });
  const started = Date.now();

  // Open the log first: it takes the directory's lock, so a second process fails before touching
  // the catalog.
  const localWal = await LocalWal.open({
    dir: path.join(dir, 'wal'),
    logger: {
      info: (message, fields) => logger.info({ component: 'wal', ...fields }, message),
      warn: (message, err) => logger.warn({ component: 'wal', err }, message),
    },
  });
  const wal = instrumentWal(localWal, walMetrics());
  registerTailMetrics(wal);
  // The control plane mails verification, reset and invite links when an SMTP server is set.
  const mail = loadSettings(mailSettings, asSources(env));
  // A new catalog is copied from an image of initdb + the migrations kept in the machine's HueDB
  // cache (made on the first start, PGliteTemplate): a fresh data directory serves in about a
  // second instead of running initdb in WASM.
  const catalogService = await openPGliteCatalog(path.join(dir, 'catalog'), {
    allowReset: options.allowReset ?? false,
    templateDir: path.join(
      env.HUEDB_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'huedb'),
      'pglite',
    ),
    ...(mail.smtpUrl !== undefined && { mail: { smtpUrl: mail.smtpUrl, mailFrom: mail.mailFrom } }),
  });
  const restarted = !catalogService.created;
  logger.info(
    {
      component: 'catalog',
      restarted,
      migrationsApplied: catalogService.migrations.applied,
      schemaVersion: catalogService.migrations.current,
    },
    restarted ? 'catalog opened' : 'catalog created',
  );
  const catalog = inProcessClient(CatalogService, createCatalogHandlers(catalogService.service));
  const logHandlers = createLogHandlers(wal);
  // Every acknowledged write marks its collection for the tail warmer (below), so the query
  // path applies an ingest's records as they arrive rather than on the first query after it.
  // Set once the query engine exists (it reads the log through this client).
  const writes: { warmer?: TailWarmer } = {};
  const logClient = inProcessClient(LogService, {
    ...logHandlers,
    pushLogs: async (req, ctx) => {
      const response = await logHandlers.pushLogs(req, ctx);
      writes.warmer?.written(req.collectionId);
      return response;
    },
  });
  const store = createFsObjectStore({ root: path.join(dir, 'objects') });
  const segments = new SegmentCache(
    store,
    path.join(dir, 'cache'),
    1024 * 1024 * 1024,
    segmentCacheMetrics(logger.child({ component: 'segment-cache' })),
  );

  const metrics = queryMetrics();
  const states = new CollectionStateCache(
    new LogTailSource(() => [logClient]),
    segments,
    512 * 1024 * 1024,
    metrics.tail,
  );
  const engine = new QueryEngine(states);
  const warmer = new TailWarmer(engine, {
    boundOf: async (collectionId) => (await logClient.scoutLogs({ collectionId })).toPosition,
    rowOf: async (id) => {
      try {
        return (await catalog.getCollectionById({ id })).collection;
      } catch (err) {
        if (RpcError.is(err, Code.NOT_FOUND)) return undefined;
        throw err;
      }
    },
    onError: (collectionId, err) =>
      logger.debug({ component: 'query', collectionId, err }, 'tail warm-up failed'),
  });
  writes.warmer = warmer;
  const query = inProcessClient(QueryService, createQueryHandlers(engine, metrics));

  const compactorConfig = {
    ...loadCompactorConfig(env),
    ...options.compactor,
    memberId: 'single-node',
    workDir: path.join(dir, 'tmp'),
  };
  const compactor = new Compactor(
    { catalog, logsFor: () => [logClient], store, segments },
    compactorConfig,
    logger.child({ component: 'compactor' }),
  );

  const backends: Backends = {
    catalog,
    control: inProcessClient(ControlService, createControlHandlers(catalogService.control)),
    logsFor: () => [logClient],
    queryNodesFor: () => Promise.resolve([query]),
    close: () => {},
  };
  const gatewayEnv = loadGatewayConfig(env);
  const gatewayConfig = {
    ...gatewayEnv,
    ...(options.rpcTimeoutMs !== undefined ? { rpcTimeoutMs: options.rpcTimeoutMs } : {}),
    ...(options.collectionCacheMs !== undefined
      ? { collectionCacheMs: options.collectionCacheMs }
      : {}),
    host: options.host,
    port: options.port,
    allowReset: options.allowReset ?? false,
    // Off unless asked, as `chroma run` (the gateway's own default is on, for the cluster).
    auth: options.auth ?? (env.HUEDB_AUTH ? gatewayEnv.auth : false),
    adminToken: options.adminToken ?? gatewayEnv.adminToken,
    // Single-node stands in for `chroma run`, which enforces no plan limit: it must take every
    // request `chroma run` takes. (HUEDB_PLAN=free tries a hosted plan locally.)
    plan: env.HUEDB_PLAN ? gatewayEnv.plan : 'unlimited',
  };
  const app = await createGatewayApp(backends, gatewayConfig, loadPlans(gatewayConfig), {
    log: logger,
  });
  // The gateway's readiness asks the catalog for live query nodes: the in-process one says so.
  const stopHeartbeat = await startHeartbeat(catalog, MEMBER, 2_000, (err) =>
    logger.warn({ err }, 'membership: heartbeat failed'),
  );
  await app.listen(options.port, options.host);
  compactor.start();
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host}:${port}`;
  logger.info(
    { dir, restarted, startedInMs: Date.now() - started },
    `single-node serving the Chroma API at ${url}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    control: backends.control,
    close: () =>
      (closing ??= (async () => {
        stopHeartbeat();
        await app.close();
        await compactor.stop();
        await warmer.close();
        await wal.close();
        await catalogService.close();
        store.close();
      })()),
  };
}
