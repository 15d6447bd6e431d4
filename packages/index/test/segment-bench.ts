/**
 * Segment benchmark: build, open, search (unfiltered and filtered, both strategies) and an
 * incremental build on a seeded Gaussian-mixture dataset. Prints a table; `--json <file>` also
 * writes the figures. Runs from TypeScript source (which also proves the build worker starts
 * under tsx):
 *
 *   node --conditions=@huedb/source --import tsx packages/index/test/segment-bench.ts \
 *     --count 100000 --dimension 768 --clusters 100 --queries 200
 *
 * Add --expose-gc for a steadier "rss growth on open". Options: --count, --dimension, --clusters, --queries, --space (l2|cosine|ip), --m,
 * --ef-construction, --ef-search, --k, --json.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Space } from '@huedb/core';
import { Segment, writeSegment, type IndexBuildStats, type SegmentRecord } from '../src/index.js';
import { clusteredVectors, exactKnn, recordsOf, rng, tempDir } from './fixtures.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    dimension: { type: 'string', default: '128' },
    clusters: { type: 'string', default: '50' },
    queries: { type: 'string', default: '200' },
    space: { type: 'string', default: 'l2' },
    m: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '100' },
    'ef-search': { type: 'string', default: '100' },
    k: { type: 'string', default: '10' },
    json: { type: 'string' },
  },
});
const count = Number(values.count);
const dimension = Number(values.dimension);
const clusters = Number(values.clusters);
const queryCount = Number(values.queries);
const space = values.space as Space;
const k = Number(values.k);
const efSearch = Number(values['ef-search']);
const params = {
  space,
  dimension,
  maxNeighbors: Number(values.m),
  efConstruction: Number(values['ef-construction']),
};

const rows: [string, string][] = [];
const figures: Record<string, number> = {};
const note = (name: string, value: number, unit: string, digits = 1) => {
  figures[`${name} (${unit})`] = value;
  rows.push([name, `${value.toFixed(digits)} ${unit}`]);
};
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const { dir, cleanup } = await tempDir();
try {
  let started = performance.now();
  const vectors = clusteredVectors(count + queryCount, dimension, clusters, 42);
  const queries = vectors.splice(count, queryCount);
  const records = recordsOf(vectors);
  note('generate data', performance.now() - started, 'ms', 0);

  let stats: IndexBuildStats | undefined;
  started = performance.now();
  const manifest = await writeSegment(path.join(dir, 'v1'), records, params, {
    onIndexBuilt: (s) => (stats = s),
  });
  note('build: writeSegment total', (performance.now() - started) / 1000, 's', 2);
  note('build: HNSW in worker', stats!.buildMs / 1000, 's', 2);
  for (const file of manifest.files) note(`file ${file.name}`, file.bytes / 2 ** 20, 'MiB');

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  started = performance.now();
  const segment = await Segment.open(path.join(dir, 'v1'));
  note('open (sizes checked)', performance.now() - started, 'ms', 0);
  gc?.();
  note('rss growth on open', (process.memoryUsage().rss - rssBefore) / 2 ** 20, 'MiB');
  started = performance.now();
  (await Segment.open(path.join(dir, 'v1'), { verify: true })).close();
  note('open (sha256 verified)', performance.now() - started, 'ms', 0);
  note('memoryBytes', segment.memoryBytes / 2 ** 20, 'MiB');

  // Exact answers once, then HNSW recall and latency.
  const exact = queries.map((q) => exactKnn(vectors, q, k, space));
  const latencies: number[] = [];
  let hits = 0;
  for (const [i, query] of queries.entries()) {
    const t = performance.now();
    const found = segment.search(query, k, { efSearch });
    latencies.push(performance.now() - t);
    const truth = new Set(exact[i]!.map((r) => r.position));
    hits += found.filter((r) => truth.has(r.position)).length;
  }
  note(`recall@${k} (ef_search ${efSearch})`, hits / (k * queries.length), '', 4);
  note('search p50', percentile(latencies, 0.5), 'ms', 3);
  note('search p95', percentile(latencies, 0.95), 'ms', 3);

  // Filtered search at several selectivities, each strategy forced: where brute force stops
  // paying (the threshold in segment.ts).
  const random = rng(7);
  const draw = Float64Array.from({ length: count }, () => random());
  for (const selectivity of [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
    const admits = (p: number) => draw[p]! < selectivity;
    const admittedCount = draw.reduce((n, x) => n + (x < selectivity ? 1 : 0), 0);
    for (const strategy of ['brute-force', 'hnsw'] as const) {
      const times: number[] = [];
      let filteredHits = 0;
      for (const query of queries.slice(0, 50)) {
        const t = performance.now();
        const found = segment.search(query, k, { efSearch, admits, admittedCount, strategy });
        times.push(performance.now() - t);
        const truth = new Set(exactKnn(vectors, query, k, space, admits).map((r) => r.position));
        filteredHits += found.filter((r) => truth.has(r.position)).length;
      }
      const label = `filter ${(selectivity * 100).toFixed(1)}% (${admittedCount}) ${strategy}`;
      note(`${label} p50`, percentile(times, 0.5), 'ms', 3);
      const total = Math.min(k, admittedCount) * 50;
      if (strategy === 'hnsw') note(`${label} recall`, filteredHits / total, '', 3);
    }
  }

  // Incremental: 1% of the records move, 1% vanish, 1% arrive.
  const changed = Math.max(1, Math.floor(count / 100));
  const moved = new Set(Array.from({ length: changed }, (_, i) => i * 100));
  const fresh = recordsOf(clusteredVectors(changed, dimension, clusters, 43), 'new');
  const next: SegmentRecord[] = [
    ...records
      .filter((_, i) => i % 100 !== 50)
      .map((r, i) => (moved.has(i) ? { ...r, embedding: r.embedding.map((x) => x + 0.01) } : r)),
    ...fresh,
  ];
  started = performance.now();
  await writeSegment(path.join(dir, 'v2'), next, params, {
    previous: segment,
    onIndexBuilt: (s) => (stats = s),
  });
  note(
    `incremental build (${stats!.mode}, ~3% changed)`,
    (performance.now() - started) / 1000,
    's',
    2,
  );

  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(
    `\nsegment bench: ${count} × ${dimension}, ${clusters} clusters, ${queryCount} queries, ` +
      `${space}, M=${params.maxNeighbors}, ef_construction=${params.efConstruction}, k=${k}`,
  );
  for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
  if (values.json) {
    await writeFile(
      values.json,
      JSON.stringify(
        { count, dimension, clusters, queryCount, params, k, efSearch, figures },
        null,
        2,
      ),
    );
  }
} finally {
  await cleanup();
}
