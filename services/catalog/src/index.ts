/**
 * The catalog as a library, for processes that host it in-process (single-node mode) and for
 * tests: the rules, the transport handlers, the SQL driver interface with its pg and PGlite
 * implementations, the migrator, and openPGliteCatalog (all of single-node mode's catalog).
 */
export { CatalogService, type CatalogServiceOptions, type Input } from './catalog.service.js';
export {
  CatalogRepositories,
  DEFAULT_DATABASE,
  DEFAULT_DATABASE_ID,
  DEFAULT_TENANT,
} from './catalog.repository.js';
export { createCatalogHandlers } from './catalog.grpc.js';
export {
  createCatalogService,
  createControlService,
  startCatalogServer,
  type CatalogServer,
} from './catalog.server.js';
export { ControlService } from './control/control.service.js';
export { createControlHandlers } from './control/control.grpc.js';
export { ControlRepositories } from './control/control.repository.js';
export { TOUCH_THROTTLE_MS } from './control/api-key.service.js';
export {
  displayKey,
  hashPassword,
  KEY_PREFIX,
  parseApiKey,
  PASSWORD_PARAMS,
  verifyPassword,
} from './control/secrets.js';
export {
  openPGliteCatalog,
  type PGliteCatalog,
  type PGliteCatalogOptions,
} from './catalog.embedded.js';
export { loadConfig, type CatalogConfig } from './config.js';
export {
  isDataException,
  isUniqueViolation,
  sqlState,
  type SqlDriver,
  type SqlExecutor,
  type SqlParam,
} from './sql/sql-driver.js';
export { PgSqlDriver, type PgSqlDriverOptions } from './sql/pg-sql-driver.js';
export {
  PGLITE_LOCK_FILE,
  PGliteSqlDriver,
  type PGliteSqlDriverOptions,
} from './sql/pglite-sql-driver.js';
export {
  loadMigrations,
  migrate,
  MIGRATIONS_DIR,
  type Migration,
  type MigrationReport,
} from './sql/migrator.js';
export { catalogSettings } from './config.js';
