import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadMigrations,
  openPGliteCatalog,
  PGLITE_LOCK_FILE,
  PGliteSqlDriver,
} from '../src/index.js';
import { describeSqlDriverConformance } from './sql-driver.conformance.js';
import { pgliteTemplate, pgliteTemplateFile } from './support/pglite.js';

/**
 * One in-memory instance for the conformance suite and the tests of serialization below (each
 * start costs about a second of CPU); the last of those closes it.
 */
let shared: Promise<PGliteSqlDriver> | undefined;
const sharedDriver = async () =>
  (shared ??= pgliteTemplate().then((loadDataDir) => PGliteSqlDriver.open({ loadDataDir })));

describeSqlDriverConformance('PGlite in memory', async () => ({
  driver: await sharedDriver(),
  concurrent: false,
  dispose: () => Promise.resolve(),
}));

describe('PGliteSqlDriver', () => {
  const dirs: string[] = [];
  let template: Blob;

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'huedb-pglite-test-'));
    dirs.push(dir);
    return dir;
  }

  beforeAll(async () => {
    template = await pgliteTemplate();
  });

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  describe('on its one connection', () => {
    let driver: PGliteSqlDriver;

    beforeAll(async () => {
      driver = await sharedDriver();
    });

    afterAll(async () => {
      await driver?.close();
    });

    it('makes every other caller wait while a transaction runs, then serves them in call order', async () => {
      const order: string[] = [];
      let issued!: () => void;
      const othersIssued = new Promise<void>((resolve) => (issued = resolve));
      let whileOpen: string[] = [];
      const tx = driver.transaction(async (t) => {
        order.push('tx begins');
        await t.query(`SELECT 1`);
        await othersIssued;
        // The transaction runs statements of its own while the others wait: none of them may run
        // in between, however many turns of the event loop those statements take.
        for (let i = 0; i < 20; i++) await t.query(`SELECT 1`);
        whileOpen = [...order];
        order.push('tx ends');
      });
      const query = driver.query(`SELECT 1`).then(() => order.push('query'));
      const exec = driver.exec(`SELECT 2`).then(() => order.push('exec'));
      const next = driver
        .transaction(async () => order.push('next tx'))
        .then(() => order.push('next tx done'));
      issued();
      await Promise.all([tx, query, exec, next]);
      expect(whileOpen).toEqual(['tx begins']);
      expect(order).toEqual(['tx begins', 'tx ends', 'query', 'exec', 'next tx', 'next tx done']);
    });

    it('refuses, rather than hangs on, a call on the driver from inside its own transaction', async () => {
      const err = await driver
        .transaction(() => driver.query(`SELECT 1`))
        .catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/inside one of its own transactions/);
      const closing = await driver
        .transaction(() => driver.close())
        .catch((e: unknown) => e as Error);
      expect((closing as Error).message).toMatch(/inside one of its own transactions/);
      // Work the transaction left running may use the driver once the transaction is over.
      let late: Promise<unknown> | undefined;
      let ended!: () => void;
      const transactionOver = new Promise<void>((resolve) => (ended = resolve));
      await driver
        .transaction(async () => {
          late = transactionOver.then(() => driver.query(`SELECT 1 AS one`));
        })
        .finally(ended);
      expect(await late).toEqual([{ one: 1 }]);
    });

    // Last: it closes the shared driver.
    it('finishes the calls made before close and refuses later ones', async () => {
      const before = driver.query<{ one: number }>(`SELECT 1 AS one`);
      const closed = driver.close();
      await expect(driver.query(`SELECT 1`)).rejects.toThrow(/closed/);
      await expect(driver.transaction(() => Promise.resolve())).rejects.toThrow(/closed/);
      expect(await before).toEqual([{ one: 1 }]);
      await closed;
      await driver.close();
    });
  });

  it('keeps the catalog across close and reopen of its directory', async () => {
    const dir = path.join(await tempDir(), 'nested', 'catalog');
    const first = await openPGliteCatalog(dir, { loadDataDir: template });
    const migrations = (await loadMigrations()).map((m) => m.version);
    expect(first.migrations).toEqual({ applied: migrations, current: migrations.at(-1) });
    const { service } = first;
    await service.tenants.create({ name: 'acme' });
    await service.databases.create({ tenant: 'acme', name: 'main', maxDatabases: 0n });
    const scope = { tenant: 'acme', database: 'main' };
    const { collection } = await service.collections.create({
      ...scope,
      id: '',
      name: 'docs',
      metadata: {
        $typeName: 'huedb.common.v1.Metadata',
        entries: [
          {
            $typeName: 'huedb.common.v1.MetadataEntry',
            key: 'n',
            value: {
              $typeName: 'huedb.common.v1.MetadataValue',
              kind: { case: 'intValue', value: 7n },
            },
          },
        ],
      },
      configurationJson: '{"hnsw":{"space":"cosine"}}',
      schemaJson: '',
      getOrCreate: false,
      maxCollections: 0n,
    });
    await service.collections.setDimension({ id: collection.id, dimension: 3 });
    const compacted = await service.segments.registerCompaction({
      collectionId: collection.id,
      expectedVersion: 0n,
      logPosition: 9_007_199_254_740_993n,
      manifestKey: 'k/v1/manifest.json',
      recordCount: 4n,
      recordsCompacted: 4n,
    });
    await first.close();
    await expect(stat(path.join(dir, PGLITE_LOCK_FILE))).rejects.toThrow(/ENOENT/);

    const second = await openPGliteCatalog(dir);
    try {
      expect(second.migrations).toEqual({ applied: [], current: migrations.at(-1) });
      const again = await second.service.collections.get({
        ...scope,
        selector: { case: 'id', value: collection.id },
      });
      expect(again).toEqual(compacted);
      expect(again.dimension).toBe(3);
      expect(again.metadata?.entries.find((e) => e.key === 'n')?.value?.kind).toEqual({
        case: 'intValue',
        value: 7n,
      });
      const versions = await second.service.segments.listVersions({
        collectionId: collection.id,
      });
      expect(versions.map((v) => [v.version, v.logPosition])).toEqual([
        [1n, 9_007_199_254_740_993n],
      ]);
    } finally {
      await second.close();
    }
  });

  it('lets one driver at a time open a directory', async () => {
    const dir = await tempDir();
    // A lock held by another live process (here: vitest's main process) keeps it closed.
    const lock = path.join(dir, PGLITE_LOCK_FILE);
    await writeFile(lock, `${process.ppid}\n`);
    await expect(PGliteSqlDriver.open({ dataDir: dir })).rejects.toThrow(
      new RegExp(`in use by process ${process.ppid}`),
    );
    expect(await readFile(lock, 'utf8')).toBe(`${process.ppid}\n`);
    await expect(stat(path.join(dir, 'PG_VERSION'))).rejects.toThrow(/ENOENT/);
    // One left by a process that is gone is taken over.
    await writeFile(lock, '2147483646\n');
    const driver = await PGliteSqlDriver.open({ dataDir: dir, loadDataDir: template });
    try {
      expect(await readFile(lock, 'utf8')).toBe(`${process.pid}\n`);
      await expect(PGliteSqlDriver.open({ dataDir: dir })).rejects.toThrow(/already open here/);
    } finally {
      await driver.close();
    }
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it('reopens a directory whose process was killed mid-run, with what it committed', async () => {
    const dir = await tempDir();
    const child = spawn(
      process.execPath,
      [
        '--conditions=@huedb/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./support/killed-writer.ts', import.meta.url)),
        dir,
        'written-before-kill',
        await pgliteTemplateFile(),
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => (output += chunk));
      const exited = once(child, 'exit');
      const deadline = Date.now() + 30_000;
      while (!output.includes('committed')) {
        if (child.exitCode !== null) throw new Error(`writer exited early (${child.exitCode})`);
        if (Date.now() > deadline) throw new Error('writer did not commit within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill('SIGKILL');
      await exited;
      // The killed process's lock is still there; it is stale now.
      expect(await readFile(path.join(dir, PGLITE_LOCK_FILE), 'utf8')).toBe(`${child.pid}\n`);
    } finally {
      child.kill('SIGKILL');
    }

    const reopened = await openPGliteCatalog(dir);
    try {
      const { name } = await reopened.service.tenants.get({ name: 'written-before-kill' });
      expect(name).toBe('written-before-kill');
    } finally {
      await reopened.close();
    }
  });
});
