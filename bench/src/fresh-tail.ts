/**
 * `make bench-fresh`: queries over fresh data — every record still in HueDB's uncompacted log
 * tail (compaction off), beside Chroma on the same records. This is what a read-your-writes user
 * hits right after an ingest, and what the main bench never measures (it queries once compaction
 * has indexed everything). Per target and size: ingest at concurrency 1, the first two queries
 * (the first one catches the query path up with the whole tail), then the warm unfiltered run at
 * c=1. Prints a markdown table and writes JSON; nothing is asserted.
 *
 *   node --conditions=@huedb/source --import tsx bench/src/fresh-tail.ts \
 *     [--sizes 10000,50000] [--dim 128] [--queries 200] [--targets single-node,chroma] \
 *     [--cpu-prof DIR]   # single-node runs with --cpu-prof, the profile lands in DIR at exit
 *     [--indexed]        # compaction on, queries once everything is indexed (the warm path)
 *     [--cold]           # then restart and time the first two queries (empty caches)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FILTERS, indexOfId, loadDataset, recallOf } from './dataset.js';
import type { HttpDriver } from './drivers/driver.js';
import { JsDriver } from './drivers/js-driver.js';
import { PyDriver } from './drivers/py-driver.js';
import { errorText, loadAverage } from './measure.js';
import { FRESH_VECTORS, parseOptions, REPO_ROOT, type BenchOptions } from './options.js';
import { ensureChromaVenv } from './python.js';
import { meanRecall } from './server-runner.js';
import { ChromaTarget } from './targets/chroma-target.js';
import { SingleNodeTarget } from './targets/single-node-target.js';
import type { ServerTarget } from './targets/target.js';

const startedAt = Date.now();
const log = (message: string) =>
  console.error(`[fresh ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s] ${message}`);

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,50000' },
    dim: { type: 'string', default: '128' },
    queries: { type: 'string', default: '200' },
    targets: { type: 'string', default: 'single-node,chroma' },
    'cpu-prof': { type: 'string' },
    // Compaction on, and the queries wait until it has indexed everything: the warm indexed
    // path (segment, empty tail) under the same driver and profile.
    indexed: { type: 'boolean', default: false },
    // After the warm run: restart the server (single-node: SIGTERM, then start on the same data
    // directory) and time the first two queries, with empty caches.
    cold: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO_ROOT, '.data', 'bench', 'fresh-tail.json') },
  },
});
const sizes = values.sizes.split(',').map(Number);
const dim = Number(values.dim);
const queries = Number(values.queries);
const targets = values.targets.split(',');
const parsed = parseOptions(['--size', String(sizes[0]), '--dim', String(dim)]);
if (parsed === 'help') throw new Error('unreachable');
const options: BenchOptions = parsed;

interface FreshRow {
  target: string;
  client: string;
  size: number;
  dim: number;
  ingestRecordsPerSec: number;
  firstQueryMs: number;
  secondQueryMs: number;
  firstRecall: number;
  p50Ms: number;
  p95Ms: number;
  qps: number;
  recall: number | undefined;
  /** With --cold: restart until serving, and the first / second query after it. */
  cold?: { restartMs: number; firstMs: number; secondMs: number };
  loadBefore: number;
  loadAfter: number;
}

function makeTarget(name: string): ServerTarget {
  switch (name) {
    case 'single-node': {
      const env: Record<string, string> = values.indexed ? {} : { HUEDB_COMPACTION: 'off' };
      if (values['cpu-prof']) {
        mkdirSync(values['cpu-prof'], { recursive: true });
        env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${path.resolve(values['cpu-prof'])}`;
      }
      return new SingleNodeTarget(options, env);
    }
    case 'chroma':
      return new ChromaTarget(options, log);
    default:
      throw new Error(`unknown target ${name} (single-node, chroma)`);
  }
}

async function driverFor(name: string, target: ServerTarget): Promise<HttpDriver> {
  if (name !== 'chroma') return new JsDriver(target.baseUrls, options, target.headers);
  const venv = await ensureChromaVenv(options.chromaVersion, log);
  return new PyDriver(target.baseUrls, options, venv, await PyDriver.version(venv));
}

/** Polls indexing_status until nothing is left unindexed. */
async function waitIndexed(baseUrl: string, id: string): Promise<void> {
  const url = `${baseUrl}/api/v2/tenants/default_tenant/databases/default_database/collections/${id}/indexing_status`;
  for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
    const status = (await (await fetch(url)).json()) as { num_unindexed_ops?: number };
    if (status.num_unindexed_ops === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`collection ${id} not indexed after 600 s`);
}

const rows: FreshRow[] = [];
for (const name of targets) {
  const target = makeTarget(name);
  log(`${name}: starting…`);
  await target.start();
  const driver = await driverFor(name, target);
  try {
    for (const size of sizes) {
      const dataset = loadDataset(
        { size, dim, queries, clusters: 100, seed: 42, k: 10, fresh: FRESH_VECTORS },
        log,
      );
      const loadBefore = loadAverage();
      const collection = `fresh-${size}x${dim}-${Date.now().toString(36)}`;
      const ingest = await driver.ingest(collection, dataset, 1);
      log(`${name}: ${size}×${dim} ingested, ${Math.round(ingest.recordsPerSec)} records/s`);
      if (values.indexed && name !== 'chroma')
        await waitIndexed(target.baseUrls[0]!, ingest.collectionId);
      const first = await driver.firstQueries(collection, dataset);
      const truth = dataset.truth.get('none')!;
      const run = await driver.query(collection, dataset, FILTERS[0]!, 1, 20, 30_000);
      let cold: FreshRow['cold'];
      if (values.cold) {
        const { restartMs } = await target.restartQueryNode();
        const after = await driver.firstQueries(collection, dataset);
        cold = { restartMs, firstMs: after.firstMs, secondMs: after.secondMs };
        log(
          `${name}: restart ${Math.round(restartMs)} ms, first query ${after.firstMs.toFixed(1)} ms`,
        );
      }
      rows.push({
        target: name,
        ...(cold && { cold }),
        client: driver.client,
        size,
        dim,
        ingestRecordsPerSec: ingest.recordsPerSec,
        firstQueryMs: first.firstMs,
        secondQueryMs: first.secondMs,
        firstRecall: recallOf(truth, 10, 0, first.firstIds.map(indexOfId)),
        p50Ms: run.stats.p50Ms,
        p95Ms: run.stats.p95Ms,
        qps: run.stats.qps,
        recall: meanRecall(dataset, 'none', run.ids),
        loadBefore,
        loadAfter: loadAverage(),
      });
      log(
        `${name}: ${size}: p50 ${run.stats.p50Ms.toFixed(2)} ms, first ${first.firstMs.toFixed(0)} ms`,
      );
      await driver.deleteCollection(collection).catch(() => undefined);
    }
  } catch (err) {
    log(`${name}: failed: ${errorText(err)}`);
  } finally {
    driver.close();
    await target.stop();
  }
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '—' : n.toFixed(digits));
const lines = [
  '| target | client | records | ingest rec/s | first / second query ms | warm p50 / p95 ms · QPS | recall@10 | ÷ chroma p50 | cold: restart s, first / second ms | load |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const chroma = rows.find((c) => c.target === 'chroma' && c.size === r.size);
    return `| ${r.target} | ${r.client} | ${r.size}×${r.dim} | ${Math.round(r.ingestRecordsPerSec)} | ${fmt(r.firstQueryMs, 1)} / ${fmt(r.secondQueryMs)} | ${fmt(r.p50Ms)} / ${fmt(r.p95Ms)} · ${Math.round(r.qps)} | ${fmt(r.recall, 4)} | ${chroma ? `${(r.p50Ms / chroma.p50Ms).toFixed(2)}×` : '—'} | ${r.cold ? `${(r.cold.restartMs / 1000).toFixed(2)}, ${fmt(r.cold.firstMs, 1)} / ${fmt(r.cold.secondMs)}` : '—'} | ${r.loadBefore.toFixed(2)} → ${r.loadAfter.toFixed(2)} |`;
  }),
];
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify({ startedAt: new Date(startedAt), rows }, null, 2));
console.log(lines.join('\n'));
process.exit(0);
