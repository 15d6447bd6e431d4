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
export { createCatalogService, startCatalogServer, type CatalogServer } from './catalog.server.js';
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
