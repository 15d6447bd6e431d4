/**
 * Measures the local WAL on this machine's disk: appends/s and acknowledgement latency (every
 * append fdatasync'd; concurrent appends share one fdatasync through group commit) at concurrency
 * 1 and 16 with 1-record and 100-record batches of 768-d vectors, and the time `open` takes to
 * recover a log of ~100 MB.
 *
 *   node --conditions=@huedb/source --import tsx packages/wal/test/bench/local-wal-bench.ts
 *
 * Knobs (env): BENCH_DIR (parent of the temporary log directory, default the OS temp dir),
 * BENCH_SECONDS (per scenario, default 3), BENCH_DIM (768), BENCH_RECOVERY_MB (100).
 * Prints a table and one JSON line; deletes its directory.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Operation } from '@huedb/proto/log';
import type { LogRecordInit } from '@huedb/wal';
import { LocalWal, type LocalWalOptions } from '@huedb/wal/local';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seconds = env('BENCH_SECONDS', 3);
const dim = env('BENCH_DIM', 768);
const recoveryMb = env('BENCH_RECOVERY_MB', 100);
const parent = process.env.BENCH_DIR ?? tmpdir();

const embedding = new Uint8Array(new Float32Array(dim).map(() => Math.random()).buffer);
const batch = (tag: string, records: number): LogRecordInit[] =>
  Array.from({ length: records }, (_, i) => ({
    id: `${tag}-${i}`,
    operation: Operation.UPSERT,
    embedding,
    document: `document ${tag}-${i}`,
  }));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Bytes of the segment files in `dir`. */
async function logBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    if (name.endsWith('.wal')) total += (await stat(path.join(dir, name))).size;
  }
  return total;
}

const root = await mkdtemp(path.join(parent, 'huedb-wal-bench-'));
const options = (name: string): LocalWalOptions => ({
  dir: path.join(root, name),
  // The bench measures the log, not backpressure.
  tailLimits: { maxTailRecords: 1e9, maxTailBytes: 2 ** 40 },
  logger: { info: () => {}, warn: (m, e) => console.warn(m, e ?? '') },
});
const collections = Array.from({ length: 16 }, () => randomUUID());

interface Scenario {
  concurrency: number;
  records: number;
}
const results: Record<string, unknown>[] = [];
try {
  for (const { concurrency, records } of [
    { concurrency: 1, records: 1 },
    { concurrency: 16, records: 1 },
    { concurrency: 1, records: 100 },
    { concurrency: 16, records: 100 },
  ] satisfies Scenario[]) {
    const wal = await LocalWal.open(options(`c${concurrency}-r${records}`));
    for (let i = 0; i < 10; i++) await wal.append(collections[i % 16]!, batch(`warm${i}`, records));
    const latencies: number[] = [];
    const started = performance.now();
    const until = started + seconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const i = n++;
          const appended = batch(`b${i}`, records);
          const t = performance.now();
          await wal.append(collections[i % 16]!, appended);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const bytes = await logBytes(wal.dir);
    await wal.close();
    const sorted = latencies.sort((a, b) => a - b);
    results.push({
      scenario: `concurrency ${concurrency}, ${records} record${records > 1 ? 's' : ''}/batch`,
      appends: latencies.length,
      appendsPerSecond: Math.round(latencies.length / elapsed),
      recordsPerSecond: Math.round((latencies.length * records) / elapsed),
      mbPerSecond: round(bytes / 1e6 / elapsed, 1),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
    });
  }

  // Recovery: a log of ~recoveryMb MB in 100-record batches, written with concurrency 16.
  const recoveryOptions = options('recovery');
  let wal = await LocalWal.open(recoveryOptions);
  const perBatch = 100;
  const target = recoveryMb * 1e6;
  let written = 0;
  let batches = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (written < target) {
        const i = batches++;
        written += perBatch * (dim * 4 + 40);
        await wal.append(collections[i % 16]!, batch(`r${i}`, perBatch));
      }
    }),
  );
  const files = wal.segmentFiles.length;
  await wal.close();
  const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const memoryBefore = memory();
  const started = performance.now();
  wal = await LocalWal.open(recoveryOptions);
  const openMs = performance.now() - started;
  const tails = await wal.collectionsToCompact(0, 0);
  const memoryAfter = memory();
  await wal.close();
  results.push({
    scenario: 'recovery (open)',
    batches,
    records: tails.reduce((sum, t) => sum + Number(t.recordCount), 0),
    logMb: round((await logBytes(recoveryOptions.dir)) / 1e6, 1),
    files,
    openMs: Math.round(openMs),
    // The tails hold every uncompacted record in memory, as the Kafka WAL's do.
    memoryGrowthMb: round((memoryAfter - memoryBefore) / 1e6, 1),
  });
} finally {
  await rm(root, { recursive: true, force: true });
}

console.table(results);
console.log(JSON.stringify({ bench: 'local-wal', dim, seconds, results }));
