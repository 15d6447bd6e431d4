import { metric, prometheus } from '@huedb/service';
import type { WalObserver, WriteAheadLog } from '@huedb/wal';

const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30,
];

/**
 * Prometheus histograms of WAL append and pull latency (`huedb_wal_append_seconds`,
 * `huedb_wal_pull_seconds`, by outcome), for {@link instrumentWal}.
 */
export function walMetrics(): WalObserver {
  const append = metric(
    'huedb_wal_append_seconds',
    (registers) =>
      new prometheus.Histogram({
        name: 'huedb_wal_append_seconds',
        help: 'Latency of WAL appends until durable, by outcome (ok or the error class).',
        labelNames: ['outcome'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
  );
  const appended = metric(
    'huedb_wal_appended_records_total',
    (registers) =>
      new prometheus.Counter({
        name: 'huedb_wal_appended_records_total',
        help: 'Records in acknowledged WAL appends.',
        registers,
      }),
  );
  const pull = metric(
    'huedb_wal_pull_seconds',
    (registers) =>
      new prometheus.Histogram({
        name: 'huedb_wal_pull_seconds',
        help: 'Latency of WAL pulls (including waiting for the reader), by outcome.',
        labelNames: ['outcome'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
  );
  return {
    append: (seconds, outcome, records) => {
      append.observe({ outcome }, seconds);
      if (outcome === 'ok') appended.inc(records);
    },
    pull: (seconds, outcome) => pull.observe({ outcome }, seconds),
  };
}

/**
 * Gauges of the uncompacted tails this WAL holds (`huedb_wal_tails`, `huedb_wal_tail_records`,
 * `huedb_wal_tail_records_max`, `huedb_wal_oldest_tail_seconds`), read from the WAL at scrape
 * time. Totals rather than one series per collection: collection ids would be unbounded labels.
 */
export function registerTailMetrics(wal: Pick<WriteAheadLog, 'collectionsToCompact'>): void {
  let snapshot: Promise<{ count: number; records: number; max: number; age: number }> | undefined;
  // The four gauges are collected one after another in one scrape: read the tails once.
  const read = () =>
    (snapshot ??= wal
      .collectionsToCompact(1, 0)
      .then((tails) => {
        const now = Date.now();
        let records = 0;
        let max = 0;
        let oldest = now;
        for (const tail of tails) {
          const n = Number(tail.recordCount);
          records += n;
          max = Math.max(max, n);
          oldest = Math.min(oldest, Number(tail.firstAppendedAtMs));
        }
        return { count: tails.length, records, max, age: (now - oldest) / 1000 };
      })
      .catch(() => ({ count: 0, records: 0, max: 0, age: 0 }))
      .finally(() => setTimeout(() => (snapshot = undefined), 100).unref()));
  const gauge = (
    name: string,
    help: string,
    pick: (s: Awaited<ReturnType<typeof read>>) => number,
  ) =>
    metric(
      name,
      (registers) =>
        new prometheus.Gauge({
          name,
          help,
          registers,
          async collect() {
            this.set(pick(await read()));
          },
        }),
    );
  gauge('huedb_wal_tails', 'Collections with an uncompacted tail.', (s) => s.count);
  gauge('huedb_wal_tail_records', 'Uncompacted records, all collections.', (s) => s.records);
  gauge(
    'huedb_wal_tail_records_max',
    "The largest collection's uncompacted records.",
    (s) => s.max,
  );
  gauge(
    'huedb_wal_oldest_tail_seconds',
    'Age of the oldest uncompacted batch (compaction lag as the log sees it).',
    (s) => s.age,
  );
}
