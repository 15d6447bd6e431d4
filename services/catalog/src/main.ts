/**
 * The catalog process: migrates the schema, serves gRPC; on SIGTERM/SIGINT drains calls, then
 * closes the pool. Settings: docs/configuration.md (HUEDB_POSTGRES_URL is required).
 */
import { createMailer, grpcTlsOf, runService } from '@huedb/service';
import {
  createCatalogService,
  createControlService,
  startCatalogServer,
} from './catalog.server.js';
import { loadConfig } from './config.js';
import { loadMigrations, migrate } from './sql/migrator.js';
import { PgSqlDriver } from './sql/pg-sql-driver.js';

await runService({
  name: 'catalog',
  load: loadConfig,
  async start(config, { log, onClose }) {
    const driver = new PgSqlDriver({
      connectionString: config.postgresUrl,
      maxConnections: config.poolMax,
      onIdleError: (err) => log.warn({ err }, 'idle Postgres connection failed'),
    });
    onClose(() => driver.close());
    const report = await migrate(driver, await loadMigrations());
    log.info({ applied: report.applied }, `schema at version ${report.current}`);
    const service = createCatalogService(driver, { allowReset: config.allowReset });
    const mailer =
      config.smtpUrl === undefined
        ? undefined
        : createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom });
    if (mailer) onClose(() => mailer.close());
    const server = await startCatalogServer(service, config.listen, {
      control: createControlService(driver, { ...(mailer && { mailer }) }),
      onInternalError: (method, err) => log.error({ err, method }, `${method} failed`),
      tls: grpcTlsOf(config),
    });
    onClose(() => server.close());
    const address = config.listen.replace(/:\d+$/, `:${server.port}`);
    return `listening on ${address}${config.allowReset ? ' (reset enabled)' : ''}`;
  },
});
