import { PgSqlDriver, PGliteSqlDriver, type SqlDriver } from '../../src/index.js';
import { pgliteTemplate } from './pglite.js';
import { createTestDatabase } from './postgres.js';

/** The SqlDriver implementations every driver-agnostic test runs on. */
export const DRIVER_KINDS = ['pg', 'pglite'] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

/** A driver on a fresh, empty database of its own. */
export interface TestDriver {
  kind: DriverKind;
  driver: SqlDriver;
  /**
   * Another driver on the same database, as a second catalog replica would have: a new pool
   * for pg. PGlite is one connection in one process, so there it is the same driver, and
   * "replicas" only ever take turns.
   */
  replica(): SqlDriver;
  /** Closes the drivers and drops the database. */
  dispose(): Promise<void>;
}

/**
 * Opens a fresh database for `kind`: a new database on the run's Postgres (named after
 * `prefix`), or a new in-memory PGlite started from the initdb template.
 */
export async function openTestDriver(
  kind: DriverKind,
  prefix: string,
  options: { maxConnections?: number } = {},
): Promise<TestDriver> {
  switch (kind) {
    case 'pg': {
      const database = await createTestDatabase(prefix);
      const open = () =>
        new PgSqlDriver({
          connectionString: database.url,
          maxConnections: options.maxConnections ?? 4,
        });
      const drivers = [open()];
      return {
        kind,
        driver: drivers[0]!,
        replica: () => {
          const driver = open();
          drivers.push(driver);
          return driver;
        },
        dispose: async () => {
          await Promise.all(drivers.map((d) => d.close()));
          await database.drop();
        },
      };
    }
    case 'pglite': {
      const driver = await PGliteSqlDriver.open({ loadDataDir: await pgliteTemplate() });
      return { kind, driver, replica: () => driver, dispose: () => driver.close() };
    }
  }
}

/** Fresh databases for the tests of one file, as cheap as each driver allows. */
export interface TestDatabases {
  /** A driver on a database no other test has touched (as {@link openTestDriver}). */
  fresh(prefix: string): Promise<TestDriver>;
  /** Disposes of every database handed out. */
  dispose(): Promise<void>;
}

/**
 * pg: a new database each time. PGlite: one instance (starting one costs about a second of CPU)
 * whose `public` schema — everything the catalog creates — is dropped and recreated for each
 * test, which leaves it as a new database would be.
 */
export function testDatabases(kind: DriverKind): TestDatabases {
  const opened: TestDriver[] = [];
  let shared: Promise<TestDriver> | undefined;
  return {
    async fresh(prefix) {
      if (kind === 'pg') {
        const database = await openTestDriver(kind, prefix, { maxConnections: 2 });
        opened.push(database);
        return database;
      }
      shared ??= openTestDriver(kind, prefix).then((database) => {
        opened.push(database);
        return database;
      });
      const database = await shared;
      await database.driver.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      return database;
    },
    async dispose() {
      await Promise.all(opened.map((database) => database.dispose()));
    },
  };
}
