import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';

/** One numbered schema change. */
export interface Migration {
  /** The number in the file name (`0003_add_x.sql` → 3); applied in ascending order, once. */
  version: number;
  /** The rest of the file name (`add_x`). */
  name: string;
  /** The statements. They run inside one transaction, so they must not BEGIN/COMMIT themselves. */
  sql: string;
}

/** What {@link migrate} did. */
export interface MigrationReport {
  /** Versions this call applied (empty when the schema was already up to date). */
  applied: number[];
  /** The schema's version afterwards. */
  current: number;
}

/** The catalog's migrations folder (`services/catalog/migrations`, next to `src/` and `dist/`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Every 64-bit advisory-lock key is global to the Postgres server's database, so pick one no
 * other component would: the first 8 bytes of sha256("huedb.catalog.migrations"), as int8.
 */
const LOCK_KEY = createHash('sha256')
  .update('huedb.catalog.migrations')
  .digest()
  .readBigInt64BE(0)
  .toString();

const TABLE = 'huedb_schema_migrations';

/** Reads `NNNN_<name>.sql` files from `dir`, sorted by version. Throws on a duplicate version. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      if (file.endsWith('.sql')) {
        throw new Error(`migration ${file}: expected a name like 0001_create_tables.sql`);
      }
      continue;
    }
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql: await readFile(path.join(dir, file), 'utf8'),
    });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`two migrations have version ${migrations[i]!.version} in ${dir}`);
    }
  }
  return migrations;
}

/**
 * Brings the schema up to date: applies, in version order, each migration not yet recorded in
 * `huedb_schema_migrations`, each in its own transaction together with its record, so a failure
 * leaves the schema at the last migration that fully applied and the next run resumes there.
 *
 * Safe to run from several catalog replicas at once: every transaction first takes a
 * transaction-scoped advisory lock (released by COMMIT/ROLLBACK — no session state, so it works on
 * a pool and on single-connection PGlite alike) and re-checks the record under it, so each
 * migration is applied exactly once and the losers just see it done.
 *
 * Throws when an applied migration's text has changed since: migrations are immutable once
 * released; a fix is a new migration.
 */
export async function migrate(
  driver: SqlDriver,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  const applied: number[] = [];
  const done = await driver.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    return recorded(tx);
  });
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const known = done.get(migration.version);
    if (known !== undefined) {
      verify(migration, known);
      continue;
    }
    const didApply = await driver.transaction(async (tx) => {
      await lock(tx);
      // Another replica may have applied it while this one waited for the lock.
      const now = await recorded(tx, migration.version);
      const existing = now.get(migration.version);
      if (existing !== undefined) {
        verify(migration, existing);
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO ${TABLE} (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        checksum(migration),
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
    done.set(migration.version, checksum(migration));
  }
  return { applied, current: Math.max(0, ...done.keys()) };
}

async function lock(tx: SqlExecutor): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY}::int8)`);
}

async function recorded(tx: SqlExecutor, version?: number): Promise<Map<number, string>> {
  const rows = await tx.query<{ version: number; checksum: string }>(
    version === undefined
      ? `SELECT version, checksum FROM ${TABLE}`
      : `SELECT version, checksum FROM ${TABLE} WHERE version = $1`,
    version === undefined ? [] : [version],
  );
  return new Map(rows.map((row) => [Number(row.version), row.checksum]));
}

function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

function verify(migration: Migration, recordedChecksum: string): void {
  if (recordedChecksum !== checksum(migration)) {
    throw new Error(
      `migration ${migration.version}_${migration.name} was changed after it was applied ` +
        '(checksum mismatch): add a new migration instead of editing a released one',
    );
  }
}
