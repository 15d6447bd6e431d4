import pg from 'pg';
import { getInfra, uniqueName } from '@huedb/testing';

/** A database of its own for one test file, on the run's real Postgres. */
export interface TestDatabase {
  /** Its connection URL (superuser). */
  url: string;
  /** Drops it (terminating any connection left open). */
  drop(): Promise<void>;
}

/** Creates a fresh, empty database named after `prefix`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = getInfra().postgresUrl;
  const name = uniqueName(prefix);
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function withAdmin(url: string, fn: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await fn(admin);
  } finally {
    await admin.end();
  }
}
