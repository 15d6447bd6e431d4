/**
 * Catalog scale: one tenant grows to 100k collections. At each checkpoint (1k, 10k, 30k, 100k by
 * default) it times creates, gets by name, list pages and the collection count, writes to and
 * queries one random collection, and reads every HueDB process's resident memory — a catalog
 * that scans per request shows as a p50 that grows with the count, and a service that holds state
 * per idle collection as memory that grows with it. Reports; asserts nothing.
 *
 *   node --conditions=@huedb/source --import tsx bench/src/scale/catalog-scale.ts --target cluster
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deploy, probeProcess, writeFormatted, type DeploymentTarget } from '../deployment.js';
import { describeMachine } from '../machine.js';
import { loadAverage, percentile } from '../measure.js';
import { REPO_ROOT } from '../options.js';

const USAGE = `usage: catalog-scale.ts [--target cluster|single-node] [--checkpoints 1000,10000,30000,100000]
  [--samples 200] [--concurrency 8] [--out DIR]`;

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'cluster' },
    checkpoints: { type: 'string', default: '1000,10000,30000,100000' },
    samples: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    out: { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results') },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const target = values.target as DeploymentTarget;
const checkpoints = values.checkpoints.split(',').map(Number);
const samples = Number(values.samples);
const concurrency = Number(values.concurrency);
if (
  (target !== 'cluster' && target !== 'single-node') ||
  checkpoints.some((n) => !Number.isInteger(n) || n <= 0) ||
  !(samples > 0) ||
  !(concurrency > 0)
) {
  console.error(USAGE);
  process.exit(2);
}

const TENANT = `scale-${Date.now().toString(36)}`;
const DB = `/api/v2/tenants/${TENANT}/databases/main`;
const log = (m: string) => console.error(`[scale ${new Date().toISOString().slice(11, 19)}] ${m}`);

interface Checkpoint {
  collections: number;
  /** p50 and p99 in ms per operation, over `samples` calls each. */
  ops: Record<string, { p50: number; p99: number }>;
  rssMiB: Record<string, number>;
  /** How long the creates up to this checkpoint took, per collection (ms). */
  createWallMsPerCollection: number;
  loadAverage: number;
}

async function main(): Promise<void> {
  const dir = path.join(REPO_ROOT, '.data', 'scale', `${target}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  const deployment = await deploy(target, dir);
  let turn = 0;
  const call = async (method: string, p: string, body?: unknown) => {
    const base = deployment.baseUrls[turn++ % deployment.baseUrls.length]!;
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { 'content-type': 'application/json', ...deployment.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };
  const timed = async (
    f: () => Promise<unknown>,
    n: number,
  ): Promise<{ p50: number; p99: number }> => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      await f();
      times.push(performance.now() - started);
    }
    const sorted = Float64Array.from(times).sort();
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  };
  const results: Checkpoint[] = [];
  try {
    await call('POST', '/api/v2/tenants', { name: TENANT });
    await call('POST', `/api/v2/tenants/${TENANT}/databases`, { name: 'main' });
    let created = 0;
    const random = () => `c-${Math.floor(Math.random() * created)}`;
    for (const goal of checkpoints) {
      const started = performance.now();
      const before = created;
      // Creates in flight at once, each taking the next name.
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (created < goal) {
            const name = `c-${created++}`;
            await call('POST', `${DB}/collections`, { name });
          }
        }),
      );
      const createWallMsPerCollection = (performance.now() - started) / Math.max(1, goal - before);
      log(`${goal} collections (${createWallMsPerCollection.toFixed(2)} ms each); timing`);
      const ops: Checkpoint['ops'] = {};
      ops['create'] = await timed(async () => {
        await call('POST', `${DB}/collections`, { name: `extra-${goal}-${turn}` });
      }, samples);
      ops['get by name'] = await timed(() => call('GET', `${DB}/collections/${random()}`), samples);
      ops['list page (100)'] = await timed(
        () => call('GET', `${DB}/collections?limit=100&offset=${Math.floor(Math.random() * goal)}`),
        samples,
      );
      ops['count'] = await timed(() => call('GET', `${DB}/collections_count`), samples);
      ops['add + query one'] = await timed(
        async () => {
          const c = (await call('GET', `${DB}/collections/${random()}`)) as { id: string };
          const v = [Math.random(), Math.random(), Math.random()];
          await call('POST', `${DB}/collections/${c.id}/upsert`, { ids: ['x'], embeddings: [v] });
          await call('POST', `${DB}/collections/${c.id}/query`, {
            query_embeddings: [v],
            n_results: 1,
          });
        },
        Math.min(samples, 50),
      );
      const rssMiB: Record<string, number> = {};
      for (const { name, pid } of deployment.processes()) {
        const p = probeProcess(pid);
        if (p) rssMiB[name] = p.rssMiB;
      }
      results.push({
        collections: goal,
        ops,
        rssMiB,
        createWallMsPerCollection,
        loadAverage: loadAverage(),
      });
      log(JSON.stringify(results.at(-1)));
    }
  } finally {
    await deployment.stop();
    rmSync(path.join(dir, 'data'), { recursive: true, force: true });
  }
  const machine = describeMachine();
  const out = { startedAt: new Date().toISOString(), target, machine, checkpoints: results };
  mkdirSync(values.out, { recursive: true });
  const base = path.join(values.out, `catalog-scale-${target}`);
  await writeFormatted(`${base}.json`, JSON.stringify(out));
  const markdown = render(results, machine.gitCommit);
  console.log(await writeFormatted(`${base}.md`, markdown));
}

function render(results: Checkpoint[], commit: string): string {
  const ops = Object.keys(results[0]?.ops ?? {});
  const procs = [...new Set(results.flatMap((r) => Object.keys(r.rssMiB)))].sort();
  const first = results[0]!;
  const last = results.at(-1)!;
  return [
    `# Catalog scale: ${target}, one tenant up to ${last.collections} collections (${commit})`,
    '',
    `p50 / p99 in ms over ${samples} calls per operation (50 for add + query); RSS in MiB.`,
    '',
    `| collections | ${ops.join(' | ')} | creates, wall ms each | ${procs.map((p) => `${p} RSS`).join(' | ')} | load |`,
    `|---|${ops.map(() => '---|').join('')}---|${procs.map(() => '---|').join('')}---|`,
    ...results.map(
      (r) =>
        `| ${r.collections} | ${ops.map((o) => `${r.ops[o]!.p50.toFixed(2)} / ${r.ops[o]!.p99.toFixed(1)}`).join(' | ')} | ${r.createWallMsPerCollection.toFixed(2)} | ${procs.map((p) => r.rssMiB[p]?.toFixed(0) ?? '-').join(' | ')} | ${r.loadAverage} |`,
    ),
    '',
    `p50 at ${last.collections} ÷ p50 at ${first.collections}: ` +
      ops.map((o) => `${o} ${(last.ops[o]!.p50 / first.ops[o]!.p50).toFixed(2)}×`).join(', ') +
      '.',
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
