/**
 * Single-node catalog numbers: PGlite open + migrate (cold: a new directory, initdb included;
 * warm: an existing one), and catalog throughput — CreateCollection then GetCollection by id —
 * on PGlite and, when HUEDB_POSTGRES_URL is set, on Postgres through the pg pool (in a scratch
 * database it creates and drops). Prints a table; `--json FILE` also writes the figures.
 *
 *   node --conditions=@huedb/source --import tsx services/catalog/test/bench/catalog-drivers.ts \
 *     [--dir DIR] [--ops 500] [--concurrency 8] [--json FILE]
 *
 * Run it twice with the same --dir to see a warm start in a new process (WASM compile included).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  createCatalogService,
  loadMigrations,
  migrate,
  openPGliteCatalog,
  PgSqlDriver,
  PGliteSqlDriver,
  type CatalogService,
} from '../../src/index.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    ops: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
});
const ops = Number(values.ops);
const concurrency = Number(values.concurrency);
const rows: { what: string; value: number; unit: string }[] = [];
const record = (what: string, value: number, unit: string) => {
  rows.push({ what, value: Math.round(value * 10) / 10, unit });
  console.log(`${what.padEnd(58)} ${String(Math.round(value * 10) / 10).padStart(9)} ${unit}`);
};

/** `ops` rounds of CreateCollection + GetCollection, `parallel` rounds in flight at a time. */
async function throughput(label: string, service: CatalogService, parallel: number): Promise<void> {
  const tenant = `bench-${process.pid}-${Date.now()}-${parallel}`;
  await service.tenants.create({ name: tenant });
  await service.databases.create({ tenant, name: 'db', maxDatabases: 0n });
  const round = async (i: number) => {
    const { collection } = await service.collections.create({
      tenant,
      database: 'db',
      id: '',
      name: `c${i}`,
      configurationJson: '',
      schemaJson: '',
      getOrCreate: false,
      maxCollections: 0n,
    });
    await service.collections.get({
      tenant,
      database: 'db',
      selector: { case: 'id', value: collection.id },
    });
  };
  // Unmeasured warm-up rounds first: V8 is still optimizing the WASM early on.
  for (let i = 0; i < 50; i++) await round(ops + i);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < ops) await round(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  record(`${label}: create+get rounds/s (${parallel} in flight)`, ops / seconds, 'rounds/s');
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

const dir = values.dir ?? (await mkdtemp(path.join(tmpdir(), 'huedb-bench-catalog-')));
const existed = await stat(path.join(dir, 'PG_VERSION')).then(
  () => true,
  () => false,
);
const kind = existed ? 'warm (existing dir, new process)' : 'cold (new dir, initdb)';
const [driver, openMs] = await timed(() => PGliteSqlDriver.open({ dataDir: dir }));
const migrations = await loadMigrations();
const [report, migrateMs] = await timed(() => migrate(driver, migrations));
record(`PGlite ${kind}: open`, openMs, 'ms');
record(`PGlite ${kind}: migrate (applied [${report.applied.join(',')}])`, migrateMs, 'ms');
const [, closeMs] = await timed(() => driver.close());
record('PGlite: close', closeMs, 'ms');

const [reopened, reopenMs] = await timed(() => openPGliteCatalog(dir));
record('PGlite warm (same process): open + migrate', reopenMs, 'ms');
await throughput('PGlite (dir)', reopened.service, 1);
await throughput('PGlite (dir)', reopened.service, concurrency);
await reopened.close();

const [memory, memoryMs] = await timed(() => openPGliteCatalog(undefined));
record('PGlite in memory (initdb): open + migrate', memoryMs, 'ms');
await throughput('PGlite (memory)', memory.service, 1);
await memory.close();

const adminUrl = process.env.HUEDB_POSTGRES_URL;
if (adminUrl) {
  const name = `huedb_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pgDriver = new PgSqlDriver({ connectionString: url.toString(), maxConnections: 10 });
  try {
    await migrate(pgDriver, migrations);
    const service = createCatalogService(pgDriver, { allowReset: false });
    await throughput('pg pool (10)', service, 1);
    await throughput('pg pool (10)', service, concurrency);
  } finally {
    await pgDriver.close();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
} else {
  console.log('HUEDB_POSTGRES_URL is not set: no pg figures');
}

if (values.dir === undefined) await rm(dir, { recursive: true, force: true });
if (values.json) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
