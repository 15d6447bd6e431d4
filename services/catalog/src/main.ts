/**
 * The catalog process: reads the config, migrates the schema, serves gRPC until SIGTERM/SIGINT.
 * Run: HUEDB_POSTGRES_URL=postgres://... node --conditions=@huedb/source --import tsx src/main.ts
 */
import { startCatalogServer, createCatalogService } from './catalog.server.js';
import { loadConfig } from './config.js';
import { loadMigrations, migrate } from './sql/migrator.js';
import { PgSqlDriver } from './sql/pg-sql-driver.js';

const log = (message: string) => console.log(`[catalog] ${message}`);

async function main(): Promise<void> {
  const config = loadConfig();
  const driver = new PgSqlDriver({
    connectionString: config.postgresUrl,
    maxConnections: config.poolMax,
    onIdleError: (err) => log(`idle Postgres connection failed: ${err.message}`),
  });
  const report = await migrate(driver, await loadMigrations());
  log(
    `schema at version ${report.current}` +
      (report.applied.length > 0 ? ` (applied ${report.applied.join(', ')})` : ''),
  );
  const service = createCatalogService(driver, { allowReset: config.allowReset });
  const server = await startCatalogServer(service, config.listen, {
    onInternalError: (method, err) =>
      console.error(`[catalog] ${method} failed:`, err instanceof Error ? err.stack : err),
  });
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  log(`listening on ${host}:${server.port}${config.allowReset ? ' (reset enabled)' : ''}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining calls`);
    void server
      .close()
      .then(() => driver.close())
      .then(
        () => {
          log('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          console.error('[catalog] shutdown failed:', err);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('[catalog] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
