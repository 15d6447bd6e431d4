import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureChromaVenv,
  freePort,
  REFERENCE_CHROMA_VERSION,
  ReferenceChroma,
  SingleNodeProcess,
} from '@huedb/testing';
import { parseKeepingFloats, parseObjectKeepingFloats } from '../../src/transfer/float-json.js';
import { Api, check, huedb, makeRecords, rateOf, REPO } from './support.js';

/*
 * `huedb copy`, `export` and `import` against a real `chroma run` (the pinned reference, 1.5.9)
 * and a real single-node HueDB, checked by an independent reader (transfer_check.py: Python's
 * json keeps 1.0 a float, numpy compares float32 bytes, pyarrow reads the Parquet files).
 *
 * The collections, made in Chroma: `big` (100,000 records of dimension 16, l2, non-default HNSW
 * settings, metadata with an integral float), `empty` (cosine, no records), `nulls` (no document
 * nor metadata anywhere) and `legacy` (`hnsw:*` metadata instead of a configuration). Records mix
 * null documents and metadatas, unicode ids, documents and keys, integral floats and uris.
 *
 * Only l2/ip collections carry records: Chroma's cosine space hands back, on get, values 1 ulp
 * off what was written (it stores normalized vectors), so a cosine collection copied back into
 * Chroma cannot match bit for bit — HueDB stores what it is sent.
 */

const BIG = 100_000;
const DIMENSION = 16;
const COLLECTIONS = ['big', 'empty', 'nulls', 'legacy'];

interface Comparison {
  records: number;
  differences: string[];
}

interface ParquetView {
  rows: number;
  columns: Record<string, string>;
  kv: Record<string, string>;
  sample: {
    id: string;
    document: string | null;
    metadata: string | null;
    embedding: string | null;
    uri: string | null;
  }[];
}

describe('huedb copy, export and import between chroma run and HueDB', () => {
  let chroma: ReferenceChroma;
  let node: SingleNodeProcess;
  let python: string;
  let work: string;
  const big = makeRecords(BIG, DIMENSION, 13);
  const rates: Record<string, number> = {};

  beforeAll(async () => {
    [chroma, node, { python }] = await Promise.all([
      ReferenceChroma.start(),
      SingleNodeProcess.start(),
      ensureChromaVenv(REFERENCE_CHROMA_VERSION, (m) => console.log(`[transfer test] ${m}`)),
    ]);
    work = mkdtempSync(path.join(REPO, '.data', 'transfer-'));
    const api = new Api(chroma.url);
    const { id: bigId } = await api.create('big', {
      configuration: { hnsw: { space: 'l2', ef_search: 64, max_neighbors: 24 } },
      metadata: { owner: 'transfer test', version: parseKeepingFloats('2.0'), 'ключ ✓': 1 },
    });
    await api.add(bigId, big);
    await api.create('empty', {
      configuration: { hnsw: { space: 'cosine' } },
      metadata: { empty: true },
    });
    const nulls = makeRecords(300, 4, 5, 'nulls');
    const { id: nullsId } = await api.create('nulls', { configuration: { hnsw: { space: 'ip' } } });
    await api.add(nullsId, {
      ...nulls,
      documents: nulls.ids.map(() => null),
      metadatas: nulls.ids.map(() => null),
      uris: nulls.ids.map(() => null),
    });
    const { id: legacyId } = await api.create('legacy', {
      metadata: { 'hnsw:space': 'ip', 'hnsw:M': 12, note: 'legacy settings' },
    });
    await api.add(legacyId, makeRecords(50, 3, 7, 'legacy'));
  }, 600_000);

  afterAll(async () => {
    console.log(
      `[transfer test] throughput (records/s, ${BIG.toLocaleString('en-US')} records of dimension ${DIMENSION}): ${JSON.stringify(rates)}`,
    );
    await Promise.all([chroma?.stop(), node?.kill('SIGTERM')]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /**
   * The same records (strictly: `1.0` ≠ `1`, float32 bytes) and collection settings, less two
   * documented differences of HueDB's (docs/compatibility.md) that every collection here went
   * through: collection metadata's `2.0` reads back as `2`, and the schema does not gain the keys
   * Chroma adds for metadata keys it sees written (`legacy`, made from a configuration, lacks them).
   */
  async function expectSame(urlA: string, a: string, urlB: string, b: string, records: number) {
    const result = await check<Comparison>(python, ['compare', urlA, a, urlB, b, 'loose']);
    expect(result.differences, `${a} vs ${b}`).toEqual([]);
    expect(result.records).toBe(records);
  }

  const recordsOf: Record<string, number> = { big: BIG, empty: 0, nulls: 300, legacy: 50 };

  it('copies 100k records and the edge collections from chroma into HueDB, resuming after kill -9', async () => {
    const checkpoint = path.join(work, 'into-huedb.checkpoint.json');
    const args = [
      'copy',
      '--from',
      chroma.url,
      '--to',
      node.url,
      '--collections',
      COLLECTIONS.join(','),
      '--batch-size',
      '1000',
      '--checkpoint',
      checkpoint,
    ];
    const first = huedb(args);
    // Killed once a fifth of `big` is in: the checkpoint says how far it got.
    const deadline = Date.now() + 180_000;
    let copied = 0;
    while (copied < BIG / 5) {
      if (Date.now() > deadline) throw new Error('the copy made no progress in 180 s');
      if (first.child.exitCode !== null)
        throw new Error(`copy ended early: ${first.child.exitCode}`);
      if (existsSync(checkpoint)) {
        const entries = (
          JSON.parse(readFileSync(checkpoint, 'utf8')) as {
            collections: { name: string; copied: number }[];
          }
        ).collections;
        copied = entries.find((c) => c.name === 'big')?.copied ?? 0;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.code).toBeNull();
    const atKill = JSON.parse(readFileSync(checkpoint, 'utf8')) as {
      collections: { name: string; copied: number; done: boolean }[];
    };
    const bigAtKill = atKill.collections.find((c) => c.name === 'big')!;
    expect(bigAtKill.done).toBe(false);
    expect(bigAtKill.copied).toBeLessThan(BIG);

    const second = await huedb(args).exited;
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`resuming from the checkpoint ${checkpoint}`);
    const resumed = /copied "big": ([\d,]+) records .*\(resumed after ([\d,]+)\)/.exec(
      second.stdout,
    );
    expect(resumed).not.toBeNull();
    const [again, before] = [resumed![1]!, resumed![2]!].map((n) => Number(n.replace(/,/g, '')));
    // Resumed at the last saved batch, at or after the one seen before the kill: nothing twice
    // but the batch in flight, nothing skipped.
    expect(before).toBeGreaterThanOrEqual(bigAtKill.copied);
    expect(again! + before!).toBe(BIG);
    rates['copy chroma → HueDB (resumed part)'] = rateOf(second.stdout, 'copied', 'big');
    for (const name of COLLECTIONS) {
      await expectSame(chroma.url, name, node.url, name, recordsOf[name]!);
    }

    // Run once more: everything is done, nothing is written.
    const third = await huedb(args).exited;
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('"big" was copied already (100,000 records;');
  }, 600_000);

  it('copies them back from HueDB into a new chroma database, with progress bars on a terminal', async () => {
    const run = await huedb(
      [
        'copy',
        '--from',
        node.url,
        '--to',
        chroma.url,
        '--to-database',
        'round_trip',
        // More than either server takes: clamped to the target's max_batch_size (5461).
        '--batch-size',
        '10000',
        '--checkpoint',
        path.join(work, 'back.checkpoint.json'),
      ],
      { tty: true },
    ).exited;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // On a terminal the bar draws (script(1) merges stderr into its stdout): rate and ETA.
    expect(run.stdout).toMatch(/big .*\d+% \| [\d,]+\/100,000 records \| [\d,]+ records\/s \| ETA/);
    rates['copy HueDB → chroma'] = rateOf(run.stdout, 'copied', 'big');
    for (const name of COLLECTIONS) {
      await expectSame(chroma.url, name, chroma.url, `round_trip:${name}`, recordsOf[name]!);
    }
  }, 600_000);

  it('export → import round-trips in JSON Lines and Parquet, and pyarrow reads the Parquet', async () => {
    for (const format of ['jsonl', 'parquet']) {
      // 100k records through Parquet; JSON Lines with the others (time: each 100k import is
      // bound by the server's ingest).
      for (const name of format === 'parquet' ? COLLECTIONS : COLLECTIONS.slice(1)) {
        const file = path.join(work, `${name}.${format}`);
        const exported = await huedb(['export', name, file, '--from', node.url]).exited;
        expect(exported.code, exported.stderr).toBe(0);
        expect(existsSync(`${file}.partial`)).toBe(false);
        const imported = await huedb([
          'import',
          file,
          '--to',
          node.url,
          '--collection',
          `${name}-${format}`,
        ]).exited;
        expect(imported.code, imported.stderr).toBe(0);
        if (name === 'big') {
          rates[`export ${format}`] = rateOf(exported.stdout, 'exported', 'big');
          rates[`import ${format}`] = rateOf(imported.stdout, 'imported', 'big-' + format);
        }
        await expectSame(node.url, name, node.url, `${name}-${format}`, recordsOf[name]!);
      }
    }
    // Files made from HueDB's copies go into Chroma as well, as they were in Chroma.
    for (const [name, format] of [
      ['nulls', 'parquet'],
      ['legacy', 'jsonl'],
    ] as const) {
      const intoChroma = await huedb([
        'import',
        path.join(work, `${name}.${format}`),
        '--to',
        chroma.url,
        '--to-database',
        'round_trip',
        '--collection',
        `${name}-${format}`,
      ]).exited;
      expect(intoChroma.code, intoChroma.stderr).toBe(0);
      await expectSame(
        chroma.url,
        name,
        chroma.url,
        `round_trip:${name}-${format}`,
        recordsOf[name]!,
      );
    }

    const view = await check<ParquetView>(python, ['parquet', path.join(work, 'big.parquet')]);
    expect(view.rows).toBe(BIG);
    expect(view.columns).toEqual({
      id: 'string',
      document: 'string',
      metadata: 'extension<arrow.json>',
      embedding: 'list<element: float not null>',
      uri: 'string',
    });
    const collection = parseKeepingFloats(view.kv['huedb.collection']!) as {
      name: string;
      metadata: Record<string, unknown>;
      configuration_json: { hnsw: { space: string; ef_search: number; max_neighbors: number } };
    };
    expect(collection.name).toBe('big');
    // As HueDB holds it: `version` was 2.0 in Chroma (see expectSame).
    expect(collection.metadata).toEqual({ owner: 'transfer test', version: 2, 'ключ ✓': 1 });
    expect(collection.configuration_json.hnsw).toMatchObject({
      space: 'l2',
      ef_search: 64,
      max_neighbors: 24,
    });
    // Cell by cell against what HueDB serves for those ids (not the generated values: Chroma
    // parsed some float64 metadata 1 ulp off on the way in, see decision 0033).
    expect(view.sample.length).toBe(50);
    const served = parseObjectKeepingFloats(
      await new Api(node.url).raw('big', {
        ids: view.sample.map((row) => row.id),
        include: ['documents', 'metadatas', 'embeddings', 'uris'],
      }),
      ['metadatas'],
    ) as {
      ids: string[];
      documents: (string | null)[];
      metadatas: (Record<string, unknown> | null)[];
      embeddings: number[][];
      uris: (string | null)[];
    };
    const at = new Map(served.ids.map((id, i) => [id, i]));
    let floats = 0;
    for (const row of view.sample) {
      const i = at.get(row.id)!;
      expect(i, row.id).toBeDefined();
      expect(row.document).toBe(served.documents[i]);
      expect(row.uri).toBe(served.uris[i]);
      expect(row.embedding).toBe(
        Buffer.from(Float32Array.from(served.embeddings[i]!).buffer).toString('hex'),
      );
      const expected = served.metadatas[i] ?? null;
      if (expected === null) {
        expect(row.metadata).toBeNull();
        continue;
      }
      const cell = parseKeepingFloats(row.metadata!) as Record<string, unknown>;
      // Key by key, as JSON text: `12.0` must still read as a float.
      for (const [key, value] of Object.entries(expected)) {
        expect(JSON.stringify(cell[key]), `${row.id} ${key}`).toBe(JSON.stringify(value));
      }
      expect(Object.keys(cell).sort()).toEqual(Object.keys(expected).sort());
      if (cell.float !== undefined) {
        expect(JSON.stringify(cell.float)).toMatch(/^\d+\.0$/);
        floats++;
      }
    }
    expect(floats).toBeGreaterThan(10);
  }, 600_000);

  it('authenticates to a HueDB with auth on by --to-token or --to-header, and says so when missing', async () => {
    // HUEDB_ADMIN_TOKEN takes at least 32 characters.
    const token = `transfer-test-admin-${process.pid}-${Date.now()}-0123456789`;
    const secured = await SingleNodeProcess.start({
      env: { HUEDB_AUTH: 'true', HUEDB_ADMIN_TOKEN: token },
    });
    try {
      const base = ['copy', '--from', chroma.url, '--to', secured.url, '--collections', 'nulls'];
      const checkpoint = (n: string) => ['--checkpoint', path.join(work, `auth-${n}.json`)];
      const refused = await huedb([...base, ...checkpoint('none')]).exited;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `^huedb: the target ${secured.url} \\(default_tenant/default_database\\) answered 401 to GET \\S+: .* \\(pass a key with --to-token\\)\n$`,
        ),
      );
      const byToken = await huedb([...base, ...checkpoint('token'), '--to-token', token]).exited;
      expect(byToken.code, byToken.stderr).toBe(0);
      const byHeader = await huedb([
        'copy',
        '--from',
        chroma.url,
        '--to',
        secured.url,
        '--collections',
        'legacy',
        ...checkpoint('header'),
        '--to-header',
        `X-Chroma-Token: ${token}`,
      ]).exited;
      expect(byHeader.code, byHeader.stderr).toBe(0);
      const counts = await Promise.all(
        ['nulls', 'legacy'].map(async (name) => {
          const res = await fetch(
            `${secured.url}/api/v2/tenants/default_tenant/databases/default_database/collections/${name}`,
            { headers: { 'x-chroma-token': token } },
          );
          const { id } = (await res.json()) as { id: string };
          const count = await fetch(
            `${secured.url}/api/v2/tenants/default_tenant/databases/default_database/collections/${id}/count`,
            { headers: { 'x-chroma-token': token } },
          );
          return (await count.json()) as number;
        }),
      );
      expect(counts).toEqual([300, 50]);
    } finally {
      await secured.kill('SIGTERM');
    }
  }, 180_000);

  it('fails in one line with what to do: unreachable server, existing collection, unknown names', async () => {
    const port = await freePort();
    const unreachable = await huedb([
      'copy',
      '--from',
      `http://127.0.0.1:${port}`,
      '--to',
      node.url,
      '--checkpoint',
      path.join(work, 'none.checkpoint.json'),
    ]).exited;
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(
      `huedb: cannot reach the source http://127.0.0.1:${port} (default_tenant/default_database): connection refused (is the server running?)\n`,
    );

    const exists = await huedb([
      'copy',
      '--from',
      chroma.url,
      '--to',
      node.url,
      '--collections',
      'legacy',
      '--checkpoint',
      path.join(work, 'fresh.checkpoint.json'),
    ]).exited;
    expect(exists.code).toBe(1);
    expect(exists.stderr).toBe(
      `huedb: the target ${node.url} (default_tenant/default_database) has a collection "legacy" already: delete it, or pass --if-exists upsert to write into it\n`,
    );
    // --if-exists upsert writes into it; the records are the same ones, so nothing changes.
    const upsert = await huedb([
      'copy',
      '--from',
      chroma.url,
      '--to',
      node.url,
      '--collections',
      'legacy',
      '--if-exists',
      'upsert',
      '--checkpoint',
      path.join(work, 'fresh.checkpoint.json'),
    ]).exited;
    expect(upsert.code, upsert.stderr).toBe(0);
    expect(await new Api(node.url).count('legacy')).toBe(50);

    const missing = await huedb([
      'export',
      'nope',
      path.join(work, 'x.parquet'),
      '--from',
      node.url,
    ]).exited;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `huedb: the source ${node.url} (default_tenant/default_database) has no collection "nope"\n`,
    );

    const format = await huedb(['import', path.join(work, 'x.txt'), '--to', node.url]).exited;
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(
      /^huedb: cannot tell the format of .*x\.txt from its name: pass --format jsonl or --format parquet\n$/,
    );

    const usage = await huedb(['copy', '--from', chroma.url]).exited;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe(
      "huedb: required option '--to <url>' not specified (see `huedb copy --help`)\n",
    );
  }, 120_000);
});
