import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The bench package's directory (bench/). */
export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const REPO_ROOT = path.resolve(BENCH_DIR, '..');

/**
 * Freshness probe vectors generated per dataset, whatever --freshness asks for (at most this
 * many), so that the probe count does not change the dataset's cache key (and its ground truth).
 */
export const FRESH_VECTORS = 1000;

/** A server the bench starts and drives over HTTP, or the in-process library. */
export type TargetName = 'hnswlib' | 'cluster' | 'single-node' | 'chroma';
/** Which official Chroma client drives a server target. */
export type ClientName = 'js' | 'py';

/** One column of the report: a target and the client that drives it. */
export interface TargetSpec {
  target: TargetName;
  /** undefined for hnswlib (called in-process). */
  client: ClientName | undefined;
  /** How the column is labelled, e.g. `cluster` or `cluster (py)`. */
  label: string;
}

/** One dataset: `size` vectors of `dim` dimensions. */
export interface DatasetShape {
  size: number;
  dim: number;
}

/** Everything a run is configured by (written into the result JSON). */
export interface BenchOptions {
  datasets: DatasetShape[];
  /** Query vectors per dataset (each filter runs all of them at each concurrency). */
  queries: number;
  /** Query concurrencies. */
  concurrency: number[];
  /** Ingest concurrencies (one collection is ingested per value). */
  ingestConcurrency: number[];
  targets: TargetSpec[];
  /** Result JSON path; the markdown table goes beside it (.md). */
  out: string;
  /** Gaussian mixture components. */
  clusters: number;
  seed: number;
  /** Neighbours per query (recall@k). */
  k: number;
  /** Untimed queries per filter before the timed runs. */
  warmup: number;
  /**
   * Seconds one timed query run (one filter at one concurrency) may take: no query starts after
   * it, so a slow target answers fewer than all query vectors (the table says how many).
   */
  queryBudgetS: number;
  /** Add→visible probes. */
  freshness: number;
  /** HNSW parameters given to every target (Chroma's defaults). */
  hnsw: { space: 'l2'; maxNeighbors: number; efConstruction: number; efSearch: number };
  /** HueDB compactor settings for the targets the bench starts. */
  compaction: { minRecords: number; maxAgeMs: number; pollMs: number };
  /** Deadline of any single wait (compaction, restart) in seconds. */
  timeoutS: number;
  /** The reference Chroma version `pip install`ed into the cache. */
  chromaVersion: string;
  /** Requests per series of the auth overhead measurement (0 = skip it). */
  authRequests: number;
  quick: boolean;
}

const USAGE = `usage: make bench [ARGS="..."]
   or: node --conditions=@huedb/source --import tsx bench/src/cli.ts [options]

  --dataset NxD[,NxD...]   datasets (default 100000x128,20000x768)
  --size N --dim D         one dataset of N vectors of D dimensions (instead of --dataset)
  --queries Q              query vectors per dataset (default 300)
  --concurrency 1,8        query concurrencies
  --ingest-concurrency 1,4 ingest concurrencies (one collection each)
  --targets LIST           default hnswlib,cluster,single-node,chroma,chroma:js (none: only
                           the auth overhead). HueDB is
                           driven by the JS client, chroma by its own Python client; a suffix
                           picks the other: chroma:js (Chroma through the JS client, so that
                           the ingest comparison is between servers), cluster:py, single-node:py
  --out FILE.json          result JSON (default bench/results/latest.json; .md beside it)
  --quick                  smoke preset: 5000x128, 100 queries, 10 freshness probes, 5 s budget
                           (default out .data/bench/quick.json)
  --query-budget-s S       no query of one run (filter × concurrency) starts after S seconds
                           (default 10; warm-up gets a third of it)
  --clusters C --seed S --k K --warmup W --freshness F     (default 100, 42, 10, 50, 50)
  --ef-search E --ef-construction E --m M           HNSW parameters (default 100, 100, 16)
  --compaction-min-records N --compaction-max-age-ms MS --compaction-poll-ms MS
  --auth-requests N        requests per series of the auth and plan overheads (HUEDB_AUTH off
                           vs on; unlimited vs pro plan; interleaved; default 5000, quick 1000;
                           0 = skip)
  --timeout-s S            deadline of one wait (default 900)
  --chroma-version V       reference Chroma installed with pip (default 1.5.9)`;

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} ${text}: expected a positive integer`);
  return n;
}

/** A bad command line; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  readonly usage = USAGE;
}

function parseTarget(text: string): TargetSpec {
  const [target, client] = text.split(':') as [string, string | undefined];
  const targets: TargetName[] = ['hnswlib', 'cluster', 'single-node', 'chroma'];
  if (!targets.includes(target as TargetName)) {
    throw new UsageError(`--targets: unknown target ${target} (expected ${targets.join(', ')})`);
  }
  const name = target as TargetName;
  if (name === 'hnswlib') {
    if (client) throw new UsageError('--targets: hnswlib runs in-process and takes no client');
    return { target: name, client: undefined, label: 'hnswlib' };
  }
  const fallback: ClientName = name === 'chroma' ? 'py' : 'js';
  if (client !== undefined && client !== 'js' && client !== 'py') {
    throw new UsageError(`--targets: unknown client ${client} (expected js or py)`);
  }
  const chosen = client ?? fallback;
  return {
    target: name,
    client: chosen,
    label: chosen === fallback ? name : `${name} (${chosen})`,
  };
}

/** Parses the command line (throws UsageError). */
export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      size: { type: 'string' },
      dim: { type: 'string' },
      queries: { type: 'string' },
      concurrency: { type: 'string' },
      'ingest-concurrency': { type: 'string' },
      targets: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      clusters: { type: 'string' },
      seed: { type: 'string' },
      k: { type: 'string' },
      warmup: { type: 'string' },
      'query-budget-s': { type: 'string' },
      freshness: { type: 'string' },
      'ef-search': { type: 'string' },
      'ef-construction': { type: 'string' },
      m: { type: 'string' },
      'compaction-min-records': { type: 'string' },
      'compaction-max-age-ms': { type: 'string' },
      'compaction-poll-ms': { type: 'string' },
      'timeout-s': { type: 'string' },
      'chroma-version': { type: 'string' },
      'auth-requests': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;

  let datasets: DatasetShape[];
  if (values.size !== undefined || values.dim !== undefined) {
    if (values.dataset !== undefined) throw new UsageError('give either --dataset or --size/--dim');
    datasets = [
      {
        size: positiveInt('size', values.size ?? (quick ? '5000' : '100000')),
        dim: positiveInt('dim', values.dim ?? '128'),
      },
    ];
  } else {
    const text = values.dataset ?? (quick ? '5000x128' : '100000x128,20000x768');
    datasets = list(text).map((item) => {
      const match = /^(\d+)x(\d+)$/.exec(item);
      if (!match) throw new UsageError(`--dataset ${item}: expected NxD, e.g. 100000x128`);
      return { size: positiveInt('dataset', match[1]!), dim: positiveInt('dataset', match[2]!) };
    });
  }

  const ints = (name: string, text: string | undefined, fallback: string) =>
    list(text ?? fallback).map((s) => positiveInt(name, s));
  const int = (name: string, text: string | undefined, fallback: string) =>
    positiveInt(name, text ?? fallback);

  const targetList = values.targets ?? 'hnswlib,cluster,single-node,chroma,chroma:js';
  const targets = targetList.trim() === 'none' ? [] : list(targetList).map(parseTarget);
  const labels = new Set<string>();
  for (const t of targets) {
    if (labels.has(t.label)) throw new UsageError(`--targets: ${t.label} given twice`);
    labels.add(t.label);
  }

  const out = path.resolve(
    values.out ??
      (quick
        ? path.join(REPO_ROOT, '.data', 'bench', 'quick.json')
        : path.join(BENCH_DIR, 'results', 'latest.json')),
  );
  if (!out.endsWith('.json')) throw new UsageError(`--out ${out}: expected a .json path`);

  return {
    datasets,
    queries: int('queries', values.queries, quick ? '100' : '300'),
    concurrency: ints('concurrency', values.concurrency, '1,8'),
    ingestConcurrency: ints('ingest-concurrency', values['ingest-concurrency'], '1,4'),
    targets,
    out,
    clusters: int('clusters', values.clusters, '100'),
    seed: int('seed', values.seed, '42'),
    k: int('k', values.k, '10'),
    warmup: int('warmup', values.warmup, quick ? '20' : '50'),
    freshness: Math.min(FRESH_VECTORS, int('freshness', values.freshness, quick ? '10' : '50')),
    queryBudgetS: int('query-budget-s', values['query-budget-s'], quick ? '5' : '10'),
    hnsw: {
      space: 'l2',
      maxNeighbors: int('m', values.m, '16'),
      efConstruction: int('ef-construction', values['ef-construction'], '100'),
      efSearch: int('ef-search', values['ef-search'], '100'),
    },
    compaction: {
      minRecords: int('compaction-min-records', values['compaction-min-records'], '5000'),
      maxAgeMs: int('compaction-max-age-ms', values['compaction-max-age-ms'], '1000'),
      pollMs: int('compaction-poll-ms', values['compaction-poll-ms'], '250'),
    },
    timeoutS: int('timeout-s', values['timeout-s'], '900'),
    chromaVersion: values['chroma-version'] ?? '1.5.9',
    authRequests:
      values['auth-requests'] === '0'
        ? 0
        : int('auth-requests', values['auth-requests'], quick ? '1000' : '5000'),
    quick,
  };
}

export { USAGE };
