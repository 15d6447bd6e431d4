/**
 * `make soak`: HueDB under a steady mixed load for a long time (30 min by default) with compaction
 * running, sampling every process's resident memory and open files and every operation's
 * latency. The data set is held at a steady size, so a series that keeps rising is a leak, not
 * growth. Reports each series' slope and drift (./analysis.ts), checks every acknowledged write at
 * the end, and writes bench/results/soak-<target>.json and .md. Reports; asserts nothing.
 *
 *   make soak ARGS="--target cluster --minutes 30"
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deploy, probeProcess, writeFormatted, type DeploymentTarget } from '../deployment.js';
import { describeMachine } from '../machine.js';
import { loadAverage } from '../measure.js';
import { REPO_ROOT } from '../options.js';
import { analyze, renderSoak, type Sample } from './analysis.js';
import { SoakWorkload } from './workload.js';

const USAGE = `usage: make soak ARGS="[--target cluster|single-node] [--minutes 30] [--sample-seconds 10]
  [--collections 4] [--cap 20000] [--dim 32] [--writers 2] [--readers 2] [--out DIR]"`;

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'cluster' },
    minutes: { type: 'string', default: '30' },
    'sample-seconds': { type: 'string', default: '10' },
    collections: { type: 'string', default: '4' },
    cap: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '32' },
    writers: { type: 'string', default: '2' },
    readers: { type: 'string', default: '2' },
    out: { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results') },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const target = values.target as DeploymentTarget;
if (target !== 'cluster' && target !== 'single-node') {
  console.error(`--target must be cluster or single-node\n${USAGE}`);
  process.exit(2);
}
const minutes = number('minutes');
const sampleMs = number('sample-seconds') * 1000;

/** Compaction often enough that the compactor works all through the soak. */
const COMPACTION = {
  HUEDB_COMPACTION_MIN_RECORDS: '500',
  HUEDB_COMPACTION_MAX_AGE_MS: '2000',
  HUEDB_COMPACTION_POLL_MS: '500',
  HUEDB_SEGMENT_GC_GRACE_MS: '10000',
};

const log = (m: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const dir = path.join(REPO_ROOT, '.data', 'soak', `${target}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  log(`starting ${target} in ${dir}`);
  const deployment = await deploy(target, dir, { compactor: COMPACTION });
  const workload = new SoakWorkload({
    baseUrls: deployment.baseUrls,
    headers: deployment.headers,
    collections: number('collections'),
    cap: number('cap'),
    dim: number('dim'),
    writers: number('writers'),
    readers: number('readers'),
    seed: 20261203,
  });
  const samples: Sample[] = [];
  let verification: Record<string, number> = {};
  try {
    await workload.start();
    const t0 = Date.now();
    const end = t0 + minutes * 60_000;
    for (let next = t0 + sampleMs; next <= end; next += sampleMs) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      const processes: Sample['processes'] = {};
      for (const { name, pid } of deployment.processes()) {
        const p = probeProcess(pid);
        if (p) processes[name] = p;
      }
      const sample: Sample = {
        t: Math.round((Date.now() - t0) / 1000),
        processes,
        ops: workload.takeWindow(),
        liveRecords: workload.liveRecords(),
        loadAverage: loadAverage(),
      };
      samples.push(sample);
      const rss = Object.values(processes).reduce((s, p) => s + p.rssMiB, 0);
      const q = sample.ops['query'];
      log(
        `t=${sample.t}s live=${sample.liveRecords} rss=${rss.toFixed(0)}MiB query p99=${q?.p99Ms.toFixed(1) ?? '-'}ms load=${sample.loadAverage}`,
      );
    }
    await workload.stop();
    log('load stopped; checking every acknowledged record');
    verification = await workload.verify();
  } finally {
    await workload.stop();
    await deployment.stop();
  }

  const warmupSeconds = Math.min(300, (minutes * 60) / 5);
  const series = analyze(samples, warmupSeconds);
  const elapsed = samples.at(-1)?.t ?? 1;
  const totals = Object.fromEntries(
    [...workload.totals].map(([op, t]) => [op, { ...t, perSecond: t.count / elapsed }]),
  );
  const loads = samples.map((s) => s.loadAverage);
  const machine = describeMachine();
  const result = {
    startedAt,
    target,
    minutes,
    warmupSeconds,
    options: values,
    machine,
    loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
    series,
    totals,
    verification,
    violations: workload.violations.slice(0, 20),
    samples,
  };
  mkdirSync(values.out, { recursive: true });
  const base = path.join(values.out, `soak-${target}`);
  await writeFormatted(`${base}.json`, JSON.stringify(result));
  const markdown = renderSoak({
    ...result,
    machine: `${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.gitCommit}`,
  });
  console.log(await writeFormatted(`${base}.md`, markdown));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
