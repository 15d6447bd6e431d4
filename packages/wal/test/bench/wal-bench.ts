/**
 * Measures the Kafka WAL against a real broker: append latency one at a time, appends/s with many
 * concurrent callers (group commit), the read-your-writes path (scout + pull on another instance),
 * and recovery (opening an instance that rebuilds tails from the partitions' start).
 *
 *   HUEDB_KAFKA_BROKERS=127.0.0.1:19092 \
 *     node --conditions=@huedb/source --import tsx packages/wal/test/bench/wal-bench.ts
 *
 * Knobs (env): BENCH_SEQUENTIAL (appends, default 500), BENCH_CONCURRENT (appends, 4000),
 * BENCH_CONCURRENCY (callers, 64), BENCH_DIM (embedding dimension, 768), BENCH_RECOVERY_BATCHES
 * (batches written before the recovery measurement, 5000), BENCH_RECORDS_PER_BATCH (1).
 * Prints a table and one JSON line; deletes its topic.
 */
import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { Operation } from '@huedb/proto/log';
import { KafkaWal, type KafkaWalOptions } from '@huedb/wal/kafka';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const brokers = (process.env.HUEDB_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('set HUEDB_KAFKA_BROKERS');
const sequential = env('BENCH_SEQUENTIAL', 500);
const concurrent = env('BENCH_CONCURRENT', 4000);
const concurrency = env('BENCH_CONCURRENCY', 64);
const dim = env('BENCH_DIM', 768);
const recoveryBatches = env('BENCH_RECOVERY_BATCHES', 5000);
const recordsPerBatch = env('BENCH_RECORDS_PER_BATCH', 1);

const options: KafkaWalOptions = {
  brokers,
  topicPrefix: `bench_${Date.now().toString(36)}`,
  partitions: 8,
  logger: { info: () => {}, warn: (m, e) => console.warn(m, e ?? '') },
};
const embedding = new Uint8Array(new Float32Array(dim).map(() => Math.random()).buffer);
const batch = (tag: string) =>
  Array.from({ length: recordsPerBatch }, (_, i) => ({
    id: `${tag}-${i}`,
    operation: Operation.UPSERT,
    embedding,
    document: `document ${tag}-${i}`,
  }));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)!),
  };
}

const results: Record<string, unknown> = {};
const writer = await KafkaWal.open(options);
const reader = await KafkaWal.open(options);
try {
  const collections = Array.from({ length: 16 }, () => randomUUID());
  for (let i = 0; i < 20; i++) await writer.append(collections[i % 16]!, batch(`warm${i}`));

  // 1. One append at a time.
  const latencies: number[] = [];
  let started = performance.now();
  for (let i = 0; i < sequential; i++) {
    const t = performance.now();
    await writer.append(collections[i % 16]!, batch(`s${i}`));
    latencies.push(performance.now() - t);
  }
  let seconds = (performance.now() - started) / 1000;
  results.sequential = {
    appends: sequential,
    perSecond: Math.round(sequential / seconds),
    latencyMs: summary(latencies),
  };

  // 2. Many callers at once.
  let next = 0;
  const concurrentLatencies: number[] = [];
  started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < concurrent) {
        const i = next++;
        const t = performance.now();
        await writer.append(collections[i % 16]!, batch(`c${i}`));
        concurrentLatencies.push(performance.now() - t);
      }
    }),
  );
  seconds = (performance.now() - started) / 1000;
  results.concurrent = {
    appends: concurrent,
    callers: concurrency,
    perSecond: Math.round(concurrent / seconds),
    latencyMs: summary(concurrentLatencies),
  };

  // 3. Read-your-writes: append on one instance, scout + pull on the other.
  const ryw: number[] = [];
  const scouts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = collections[i % 16]!;
    const position = await writer.append(c, batch(`r${i}`));
    const t = performance.now();
    const to = await reader.scout(c);
    scouts.push(performance.now() - t);
    const pulled = await reader.pull(c, position, to);
    ryw.push(performance.now() - t);
    if (pulled[0]?.logPosition !== position) throw new Error('read-your-writes violated');
  }
  results.readYourWrites = { scoutMs: summary(scouts), scoutPlusPullMs: summary(ryw) };

  // 4. Recovery: a new instance reads every partition from its start.
  let written = sequential + concurrent + 220;
  for (let done = 0; done < recoveryBatches;) {
    const n = Math.min(concurrency, recoveryBatches - done);
    await Promise.all(
      Array.from({ length: n }, (_, k) =>
        writer.append(collections[(done + k) % 16]!, batch(`x${done + k}`)),
      ),
    );
    done += n;
  }
  written += recoveryBatches;
  started = performance.now();
  const recovered = await KafkaWal.open(options);
  const recoveryMs = performance.now() - started;
  const tails = await recovered.collectionsToCompact(0, 0);
  const records = tails.reduce((sum, t) => sum + Number(t.recordCount), 0);
  await recovered.close();
  results.recovery = {
    batches: written,
    records,
    bytesPerBatch: embedding.byteLength * recordsPerBatch,
    openMs: Math.round(recoveryMs),
  };
} finally {
  await reader.close();
  await writer.close();
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: brokers });
  await admin.deleteTopics({ topics: [`${options.topicPrefix}.wal`] }).catch(() => {});
  await admin.close();
}

const s = results.sequential as { perSecond: number; latencyMs: Record<string, number> };
const c = results.concurrent as { perSecond: number; latencyMs: Record<string, number> };
const r = results.readYourWrites as Record<string, Record<string, number>>;
const rec = results.recovery as { batches: number; records: number; openMs: number };
console.log(`Kafka WAL, ${dim}-d embeddings, ${recordsPerBatch} record(s) per batch`);
console.log(`| measurement                         | result |`);
console.log(`| ----------------------------------- | ------ |`);
console.log(`| sequential appends/s                | ${s.perSecond} |`);
console.log(
  `| sequential append ms p50/p95/p99    | ${s.latencyMs.p50} / ${s.latencyMs.p95} / ${s.latencyMs.p99} |`,
);
console.log(`| concurrent (${concurrency} callers) appends/s  | ${c.perSecond} |`);
console.log(
  `| concurrent append ms p50/p95/p99    | ${c.latencyMs.p50} / ${c.latencyMs.p95} / ${c.latencyMs.p99} |`,
);
console.log(`| scout ms p50/p95                    | ${r.scoutMs!.p50} / ${r.scoutMs!.p95} |`);
console.log(
  `| scout+pull (other instance) p50/p95 | ${r.scoutPlusPullMs!.p50} / ${r.scoutPlusPullMs!.p95} |`,
);
console.log(
  `| recovery: open over ${rec.batches} batches  | ${rec.openMs} ms (${rec.records} records in tails) |`,
);
console.log(JSON.stringify(results));
