import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { HNSW_RANDOM_SEED } from '@huedb/index';
import { FILTERS, idOf, recallOf, row, type Dataset } from './dataset.js';
import { loadAverage, summarize } from './measure.js';
import type { BenchOptions } from './options.js';
import { meanRecall } from './server-runner.js';
import type { TargetRun } from './results.js';

/**
 * Raw hnswlib-node in this process with the parameters every server gets (l2, M, ef_construction,
 * ef_search, and HueDB's random seed): the floor HueDB's overhead is measured against. addPoint
 * and searchKnn are synchronous on the calling thread, so there is one "concurrency": 1. Filters
 * use hnswlib's filter callback (the naive way; HueDB's segments switch to brute force when few
 * records pass).
 */
export async function runHnswlib(
  dataset: Dataset,
  options: BenchOptions,
  run: TargetRun,
  log: (m: string) => void,
): Promise<void> {
  const { size, dim, queries: count, k } = dataset.spec;
  const { maxNeighbors, efConstruction, efSearch } = options.hnsw;
  log(`hnswlib: building ${size} × ${dim} (M ${maxNeighbors}, ef_construction ${efConstruction})…`);
  const index = new hnswlib.HierarchicalNSW('l2', dim);
  index.initIndex(size, maxNeighbors, efConstruction, HNSW_RANDOM_SEED);
  const started = performance.now();
  for (let i = 0; i < size; i++) index.addPoint(row(dataset.base, dim, i), i);
  const seconds = (performance.now() - started) / 1000;
  run.ingest.push({
    records: size,
    batchSize: 1,
    concurrency: 1,
    seconds,
    recordsPerSec: size / seconds,
    retries: 0,
    indexed: {
      method: 'in-process',
      afterLastAckS: 0,
      note: 'addPoint indexes synchronously',
    },
  });
  // As HueDB's segment search: ef = max(ef_search, k).
  index.setEf(Math.max(efSearch, k));

  const vectors = Array.from({ length: count }, (_, q) => row(dataset.queries, dim, q));
  for (const filter of FILTERS) {
    const limit = filter.limit;
    const admits =
      limit === undefined ? undefined : (label: number) => dataset.buckets[label]! < limit;
    const search = (q: number) => index.searchKnn(vectors[q]!, k, admits).neighbors;
    const budgetMs = options.queryBudgetS * 1000;
    const warmStart = performance.now();
    for (
      let q = 0;
      q < Math.min(options.warmup, count) && performance.now() - warmStart < budgetMs / 3;
      q++
    )
      search(q);
    const latencies: number[] = [];
    const ids: number[][] = [];
    const wallStart = performance.now();
    for (let q = 0; q < count && performance.now() - wallStart < budgetMs; q++) {
      const t0 = performance.now();
      ids.push(search(q));
      latencies.push(performance.now() - t0);
    }
    run.query.push({
      filter: filter.name,
      selectivity: filter.selectivity,
      concurrency: 1,
      stats: summarize(latencies, performance.now() - wallStart),
      recall: meanRecall(dataset, filter.name, ids),
    });
    // Let timers (progress output) run between filters.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (options.concurrency.some((c) => c > 1))
    run.notes.push('searchKnn is synchronous: only concurrency 1 is meaningful in-process');

  // Cold start: the index file read back by a new index object, then the first searches.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huedb-bench-hnsw-'));
  try {
    const file = path.join(dir, 'hnsw.bin');
    await index.writeIndex(file);
    const cold = new hnswlib.HierarchicalNSW('l2', dim);
    const t0 = performance.now();
    await cold.readIndex(file);
    cold.setEf(Math.max(efSearch, k));
    const restartMs = performance.now() - t0;
    const t1 = performance.now();
    const first = cold.searchKnn(vectors[0]!, k).neighbors;
    const firstQueryMs = performance.now() - t1;
    const t2 = performance.now();
    const second = cold.searchKnn(vectors[1 % count]!, k).neighbors;
    const secondQueryMs = performance.now() - t2;
    run.coldStart = {
      what: 'readIndex of the written index file (page cache warm) into a new index object',
      restartMs,
      firstQueryMs,
      secondQueryMs,
      firstRecall: recallOf(dataset.truth.get('none')!, k, 0, first),
      secondRecall: recallOf(dataset.truth.get('none')!, k, 1 % count, second),
      firstIds: first.map(idOf),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  run.loadAfter = loadAverage();
}
