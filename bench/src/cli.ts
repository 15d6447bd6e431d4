/**
 * `make bench`: HueDB (cluster, single-node) beside raw hnswlib-node and the reference Chroma on
 * seeded clustered vectors — ingest, compaction, latency/QPS, recall, freshness and cold start.
 * Prints a markdown table and writes the result JSON (and the same table as .md beside it).
 * Targets run one after the other, each started before and stopped after its phases, so none
 * competes with another for the CPU. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { measureAuthOverhead, type AuthOverhead } from './auth-overhead.js';
import { measurePlanOverhead, type PlanOverhead } from './plan-overhead.js';
import { loadDataset, type Dataset } from './dataset.js';
import type { HttpDriver } from './drivers/driver.js';
import { JsDriver } from './drivers/js-driver.js';
import { PyDriver } from './drivers/py-driver.js';
import { runHnswlib } from './hnswlib-peer.js';
import { describeMachine } from './machine.js';
import { errorText, loadAverage } from './measure.js';
import {
  FRESH_VECTORS,
  parseOptions,
  REPO_ROOT,
  UsageError,
  USAGE,
  type BenchOptions,
  type TargetSpec,
} from './options.js';
import { ensureChromaVenv } from './python.js';
import { renderMarkdown } from './report.js';
import type { BenchResult, DatasetResult, TargetRun } from './results.js';
import { runServer } from './server-runner.js';
import { ChromaTarget } from './targets/chroma-target.js';
import { ClusterTarget } from './targets/cluster-target.js';
import { SingleNodeTarget } from './targets/single-node-target.js';
import type { ServerTarget } from './targets/target.js';

const startedAt = new Date();
const log = (message: string) => {
  const s = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4);
  console.error(`[bench ${s}s] ${message}`);
};

/** A failure in one line, plus the first error line of a multi-line message (a log tail). */
function failureReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const [first, ...rest] = text.split('\n');
  const cause = rest.find((l) => /error|Error|ERR_/.test(l));
  return [first, cause?.trim()].filter(Boolean).join(' — ').slice(0, 400);
}

function newRun(spec: TargetSpec, client: string): TargetRun {
  return {
    label: spec.label,
    target: spec.target,
    client,
    status: 'ok',
    setup: {},
    loadBefore: loadAverage(),
    loadAfter: loadAverage(),
    ingest: [],
    query: [],
    phaseErrors: [],
    notes: [],
  };
}

function makeTarget(spec: TargetSpec, options: BenchOptions): ServerTarget {
  switch (spec.target) {
    case 'cluster':
      return new ClusterTarget(options);
    case 'single-node':
      return new SingleNodeTarget(options);
    case 'chroma':
      return new ChromaTarget(options, log);
    case 'hnswlib':
      throw new Error('hnswlib is not a server');
  }
}

async function makeDriver(
  spec: TargetSpec,
  target: ServerTarget,
  options: BenchOptions,
): Promise<HttpDriver> {
  if (spec.client === 'py') {
    const venv = await ensureChromaVenv(options.chromaVersion, log);
    const token = target.headers?.['x-chroma-token'];
    return new PyDriver(target.baseUrls, options, venv, await PyDriver.version(venv), token);
  }
  return new JsDriver(target.baseUrls, options, target.headers);
}

/** The column label's client before the target has started (replaced once a driver exists). */
function plannedClient(spec: TargetSpec): string {
  if (spec.client === undefined) return 'in-process';
  return spec.client === 'py' ? 'chromadb Python' : 'chromadb JS';
}

let current: ServerTarget | undefined;

async function runTarget(
  spec: TargetSpec,
  datasets: Dataset[],
  results: DatasetResult[],
  options: BenchOptions,
): Promise<void> {
  if (spec.target === 'hnswlib') {
    for (const [i, dataset] of datasets.entries()) {
      const run = newRun(spec, 'in-process (hnswlib-node)');
      results[i]!.runs.push(run);
      try {
        await runHnswlib(dataset, options, run, log);
      } catch (err) {
        run.status = 'failed';
        run.reason = failureReason(err);
        log(`hnswlib failed: ${errorText(err)}`);
      }
    }
    return;
  }

  const target = makeTarget(spec, options);
  const runs = datasets.map((_, i) => {
    const run = newRun(spec, plannedClient(spec));
    results[i]!.runs.push(run);
    return run;
  });
  current = target;
  log(`${spec.label}: starting…`);
  const started = performance.now();
  let driver: HttpDriver | undefined;
  try {
    await target.start();
    runs[0]!.startMs = performance.now() - started;
    log(
      `${spec.label}: serving at ${target.baseUrls.join(', ')} after ${(runs[0]!.startMs / 1000).toFixed(1)} s`,
    );
    driver = await makeDriver(spec, target, options);
  } catch (err) {
    log(`${spec.label}: could not start: ${errorText(err)}`);
    for (const run of runs) {
      run.status = 'failed';
      run.reason = `did not start: ${failureReason(err)}`;
      run.setup = target.describe();
    }
    await target.stop().catch(() => undefined);
    current = undefined;
    return;
  }
  try {
    for (const [i, dataset] of datasets.entries()) {
      const run = runs[i]!;
      run.client = driver.client;
      run.setup = target.describe();
      run.loadBefore = loadAverage();
      try {
        await runServer(target, driver, dataset, options, run, log);
      } catch (err) {
        run.status = 'failed';
        run.reason = failureReason(err);
      }
      run.loadAfter = loadAverage();
    }
  } finally {
    driver.close();
    log(`${spec.label}: stopping…`);
    await target
      .stop()
      .catch((err: unknown) => log(`${spec.label}: stop failed: ${errorText(err)}`));
    current = undefined;
  }
}

/**
 * Writes the JSON and the markdown, formatted as the repository's prettier config wants them
 * (results are committed, and `make check` runs prettier over them).
 */
async function write(result: BenchResult, options: BenchOptions): Promise<string> {
  mkdirSync(path.dirname(options.out), { recursive: true });
  const mdFile = options.out.replace(/\.json$/, '.md');
  const format = async (text: string, file: string) =>
    prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
  const markdown = await format(renderMarkdown(result), mdFile);
  writeFileSync(options.out, await format(JSON.stringify(result), options.out));
  writeFileSync(mdFile, markdown);
  return markdown;
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const opts = options;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping ${current?.name ?? 'nothing'} and exiting`);
      void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }

  const machine = describeMachine();
  log(
    `${machine.cpuModel}, ${machine.nproc} cores, ${machine.memoryGiB} GiB, load ${machine.loadAtStart}; hnswlib-node ${machine.hnswlibSimd}`,
  );
  // First, on a machine no target has loaded yet: a few seconds, in a process of its own.
  let authOverhead: AuthOverhead | undefined;
  let authOverheadError: string | undefined;
  if (opts.authRequests > 0) {
    log(`auth overhead: ${opts.authRequests} requests per series (HUEDB_AUTH off vs on)…`);
    try {
      authOverhead = await measureAuthOverhead(opts.authRequests);
      log(
        `auth overhead: p50 ${authOverhead.authOff.p50Ms.toFixed(4)} ms off, ${authOverhead.authOn.p50Ms.toFixed(4)} ms on: ` +
          `+${authOverhead.overheadP50Ms.toFixed(4)} ms (×${authOverhead.ratioP50.toFixed(3)})`,
      );
    } catch (err) {
      authOverheadError = failureReason(err);
      log(`auth overhead failed: ${errorText(err)}`);
    }
  }
  let planOverhead: PlanOverhead | undefined;
  let planOverheadError: string | undefined;
  if (opts.authRequests > 0) {
    log(`plan overhead: ${opts.authRequests} requests per series (unlimited vs pro per tenant)…`);
    try {
      planOverhead = await measurePlanOverhead(opts.authRequests);
      for (const op of ['query', 'add'] as const) {
        const r = planOverhead[op];
        log(
          `plan overhead, ${op}: p50 ${r.unlimited.p50Ms.toFixed(4)} ms unlimited, ${r.enforced.p50Ms.toFixed(4)} ms enforced: ` +
            `+${r.overheadP50Ms.toFixed(4)} ms (×${r.ratioP50.toFixed(3)})`,
        );
      }
    } catch (err) {
      planOverheadError = failureReason(err);
      log(`plan overhead failed: ${errorText(err)}`);
    }
  }
  // No target, no dataset (`--targets none`: the auth overhead alone).
  const datasets = (opts.targets.length === 0 ? [] : opts.datasets).map((shape) =>
    loadDataset(
      {
        size: shape.size,
        dim: shape.dim,
        queries: opts.queries,
        clusters: opts.clusters,
        seed: opts.seed,
        k: opts.k,
        fresh: FRESH_VECTORS,
      },
      log,
    ),
  );
  const results: DatasetResult[] = datasets.map((d) => ({
    key: d.key,
    spec: d.spec,
    ...(d.generatedMs === undefined ? {} : { generatedMs: d.generatedMs }),
    ...(d.truthMs === undefined ? {} : { truthMs: d.truthMs }),
    runs: [],
  }));
  const result = (): BenchResult => ({
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    command: `bench/src/cli.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...machine, loadAtEnd: loadAverage() },
    options: { ...opts, out: path.relative(REPO_ROOT, opts.out) },
    ...(authOverhead && { authOverhead }),
    ...(authOverheadError !== undefined && { authOverheadError }),
    ...(planOverhead && { planOverhead }),
    ...(planOverheadError !== undefined && { planOverheadError }),
    datasets: results,
  });

  for (const spec of opts.targets) {
    await runTarget(spec, datasets, results, opts);
    // Written after every target, so an interrupted run keeps what it measured.
    await write(result(), opts);
  }
  const markdown = await write(result(), opts);
  console.log(markdown);
  log(
    `wrote ${path.relative(REPO_ROOT, opts.out)} and ${path.relative(REPO_ROOT, opts.out.replace(/\.json$/, '.md'))}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
