import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { BENCH_DIR } from './options.js';

/** Bumped whenever generation changes, so stale caches are never read. */
const GENERATOR_VERSION = 1;

/** What a dataset is generated from. */
export interface DatasetSpec {
  size: number;
  dim: number;
  queries: number;
  clusters: number;
  seed: number;
  k: number;
  /** Extra vectors for the freshness probes (never in the base set; FRESH_VECTORS). */
  fresh: number;
}

/**
 * A metadata filter with a known selectivity. Every record has an integer `bucket` in 0..99 and
 * exactly `selectivity` of the records have `bucket < limit` (buckets are dealt by a seeded
 * permutation, not drawn independently, so the fractions are exact).
 */
export interface FilterSpec {
  /** `none`, `50%`, `10%`, `1%`. */
  name: string;
  selectivity: number;
  /** The bucket bound, or undefined for no filter. */
  limit: number | undefined;
}

export const FILTERS: readonly FilterSpec[] = [
  { name: 'none', selectivity: 1, limit: undefined },
  { name: '50%', selectivity: 0.5, limit: 50 },
  { name: '10%', selectivity: 0.1, limit: 10 },
  { name: '1%', selectivity: 0.01, limit: 1 },
];

/** The Chroma `where` of a filter. */
export function whereOf(filter: FilterSpec): Record<string, unknown> | undefined {
  return filter.limit === undefined ? undefined : { bucket: { $lt: filter.limit } };
}

/**
 * A generated dataset with exact ground truth, as held in memory. The same files on disk
 * (`dir`) are what the Python driver reads with numpy.
 */
export interface Dataset {
  spec: DatasetSpec;
  /** Cache key and directory. */
  key: string;
  dir: string;
  /** size × dim, row-major. */
  base: Float32Array;
  /** queries × dim. */
  queries: Float32Array;
  /** fresh × dim. */
  fresh: Float32Array;
  /** One bucket (0..99) per base vector. */
  buckets: Uint8Array;
  /** Per filter name: queries × k base indices, nearest first. */
  truth: Map<string, Int32Array>;
  /** How long generation and ground truth took, when this run computed them (ms). */
  generatedMs: number | undefined;
  truthMs: number | undefined;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller, both outputs used). */
function gaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Within-cluster standard deviation relative to the centers' N(0, 1) coordinates. */
const SPREAD = 0.35;

/**
 * Fills `out` with points of a mixture of `centers.length` isotropic Gaussians: centers ~ N(0, 1)
 * per coordinate, a point = a uniformly chosen center + N(0, SPREAD²) noise. Real embeddings are
 * clustered, and clustered data is where HNSW recall is tested (uniform noise is easier).
 */
function sampleMixture(
  out: Float32Array,
  dim: number,
  centers: Float32Array[],
  random: () => number,
): void {
  const normal = gaussian(random);
  for (let offset = 0; offset < out.length; offset += dim) {
    const center = centers[Math.floor(random() * centers.length)]!;
    for (let j = 0; j < dim; j++) out[offset + j] = center[j]! + SPREAD * normal();
  }
}

function cacheKey(spec: DatasetSpec): string {
  return `gm${GENERATOR_VERSION}-n${spec.size}-d${spec.dim}-c${spec.clusters}-q${spec.queries}-k${spec.k}-s${spec.seed}`;
}

// Files are written and read in chunks: fs.readFile/writeFile stop at 2 GiB, and 1M × 768 floats
// is 3 GiB.
const CHUNK = 64 * 2 ** 20;

function writeArray(file: string, array: ArrayBufferView): void {
  const fd = openSync(file, 'w');
  try {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let at = 0; at < bytes.length; at += CHUNK) {
      writeSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at));
    }
  } finally {
    closeSync(fd);
  }
}

function readInto(file: string, array: ArrayBufferView): void {
  const fd = openSync(file, 'r');
  try {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at), at);
      if (n === 0) throw new Error(`${file} is shorter than ${bytes.length} bytes`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Plain arrays, as hnswlib-node takes them. */
export function row(matrix: Float32Array, dim: number, i: number): number[] {
  return Array.from(matrix.subarray(i * dim, (i + 1) * dim));
}

/**
 * Exact k nearest base vectors of every query, unfiltered and for each filter, by exhaustive
 * search (hnswlib's BruteforceSearch: every distance computed, SIMD l2). One exhaustive index per
 * filter holds only the vectors that pass it, so no filter callback is involved.
 */
function groundTruth(
  spec: DatasetSpec,
  base: Float32Array,
  queries: Float32Array,
  buckets: Uint8Array,
): Map<string, Int32Array> {
  const truth = new Map<string, Int32Array>();
  for (const filter of FILTERS) {
    const admitted: number[] = [];
    for (let i = 0; i < spec.size; i++)
      if (filter.limit === undefined || buckets[i]! < filter.limit) admitted.push(i);
    const index = new hnswlib.BruteforceSearch('l2', spec.dim);
    index.initIndex(admitted.length);
    for (const i of admitted) index.addPoint(row(base, spec.dim, i), i);
    const k = Math.min(spec.k, admitted.length);
    const out = new Int32Array(spec.queries * spec.k).fill(-1);
    for (let q = 0; q < spec.queries; q++) {
      const { neighbors, distances } = index.searchKnn(row(queries, spec.dim, q), k);
      // hnswlib returns them in no promised order: sort nearest first.
      const order = neighbors.map((_, i) => i).sort((a, b) => distances[a]! - distances[b]!);
      order.forEach((i, rank) => (out[q * spec.k + rank] = neighbors[i]!));
    }
    truth.set(filter.name, out);
  }
  return truth;
}

/**
 * The dataset for `spec`: read from bench/cache/<key>/ when present, else generated (seeded, so
 * every run and every machine gets the same vectors) with its ground truth, and cached there.
 * `spec.json` is written last: a directory without it is an interrupted write and is redone.
 */
export function loadDataset(spec: DatasetSpec, log: (m: string) => void): Dataset {
  const key = cacheKey(spec);
  const dir = path.join(BENCH_DIR, 'cache', key);
  const base = new Float32Array(spec.size * spec.dim);
  const queries = new Float32Array(spec.queries * spec.dim);
  const fresh = new Float32Array(spec.fresh * spec.dim);
  const buckets = new Uint8Array(spec.size);
  const files = {
    base: 'base.f32',
    queries: 'queries.f32',
    fresh: 'fresh.f32',
    buckets: 'buckets.u8',
  };
  const truthFile = (name: string) => `truth-${name.replace('%', 'pct')}.i32`;

  if (existsSync(path.join(dir, 'spec.json'))) {
    const cached = JSON.parse(readFileSync(path.join(dir, 'spec.json'), 'utf8')) as {
      spec: DatasetSpec;
    };
    if (JSON.stringify(cached.spec) === JSON.stringify(spec)) {
      readInto(path.join(dir, files.base), base);
      readInto(path.join(dir, files.queries), queries);
      readInto(path.join(dir, files.fresh), fresh);
      readInto(path.join(dir, files.buckets), buckets);
      const truth = new Map<string, Int32Array>();
      for (const filter of FILTERS) {
        const t = new Int32Array(spec.queries * spec.k);
        readInto(path.join(dir, truthFile(filter.name)), t);
        truth.set(filter.name, t);
      }
      log(`dataset ${key}: read from ${path.relative(process.cwd(), dir)}`);
      return {
        spec,
        key,
        dir,
        base,
        queries,
        fresh,
        buckets,
        truth,
        generatedMs: undefined,
        truthMs: undefined,
      };
    }
  }

  log(`dataset ${key}: generating ${spec.size} × ${spec.dim} (${spec.clusters} clusters)…`);
  let started = performance.now();
  const random = rng(spec.seed);
  const normal = gaussian(random);
  const centers = Array.from({ length: spec.clusters }, () => {
    const c = new Float32Array(spec.dim);
    for (let j = 0; j < spec.dim; j++) c[j] = normal();
    return c;
  });
  sampleMixture(base, spec.dim, centers, random);
  sampleMixture(queries, spec.dim, centers, random);
  sampleMixture(fresh, spec.dim, centers, random);
  // Exact selectivities: rank r of a seeded permutation gets bucket ⌊100·r / size⌋.
  const order = Array.from({ length: spec.size }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  order.forEach(
    (recordIndex, rank) => (buckets[recordIndex] = Math.floor((100 * rank) / spec.size)),
  );
  const generatedMs = performance.now() - started;

  log(
    `dataset ${key}: exact ground truth for ${spec.queries} queries × ${FILTERS.length} filters…`,
  );
  started = performance.now();
  const truth = groundTruth(spec, base, queries, buckets);
  const truthMs = performance.now() - started;
  log(
    `dataset ${key}: generated in ${(generatedMs / 1000).toFixed(1)} s, ground truth in ${(truthMs / 1000).toFixed(1)} s`,
  );

  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeArray(path.join(tmp, files.base), base);
  writeArray(path.join(tmp, files.queries), queries);
  writeArray(path.join(tmp, files.fresh), fresh);
  writeArray(path.join(tmp, files.buckets), buckets);
  for (const [name, t] of truth) writeArray(path.join(tmp, truthFile(name)), t);
  writeFileSync(
    path.join(tmp, 'spec.json'),
    JSON.stringify(
      {
        spec,
        files,
        truth: Object.fromEntries(FILTERS.map((f) => [f.name, truthFile(f.name)])),
        filters: FILTERS,
      },
      null,
      2,
    ),
  );
  renameSync(tmp, dir);
  return { spec, key, dir, base, queries, fresh, buckets, truth, generatedMs, truthMs };
}

/** recall@k of one result list against the truth row of query `q`. */
export function recallOf(truth: Int32Array, k: number, q: number, ids: readonly number[]): number {
  const expected = new Set<number>();
  for (let i = 0; i < k; i++) {
    const t = truth[q * k + i]!;
    if (t >= 0) expected.add(t);
  }
  if (expected.size === 0) return 1;
  let hits = 0;
  for (const id of ids.slice(0, k)) if (expected.has(id)) hits++;
  return hits / expected.size;
}

/** The record id of base vector `i` (what every target stores). */
export function idOf(i: number): string {
  return `r${i}`;
}

/** The base index of a record id, or -1 for ids the bench did not derive from the base set. */
export function indexOfId(id: string): number {
  return id.startsWith('r') ? Number(id.slice(1)) : -1;
}
