import { metric, prometheus } from '@huedb/service';

/** How long compactions take, by outcome (done, nothing to do, failed). */
export const compactionDuration = metric(
  'huedb_compaction_duration_seconds',
  (registers) =>
    new prometheus.Histogram({
      name: 'huedb_compaction_duration_seconds',
      help: 'Time to compact one collection (pull, build, upload, register, advance), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
);

/** Records folded into segments. */
export const compactedRecords = metric(
  'huedb_compaction_records_total',
  (registers) =>
    new prometheus.Counter({
      name: 'huedb_compaction_records_total',
      help: 'Log records folded into new segment versions.',
      registers,
    }),
);

/** The age of the oldest uncompacted batch over the thresholds, seen at the last round. */
export const compactionLag = metric(
  'huedb_compaction_lag_seconds',
  (registers) =>
    new prometheus.Gauge({
      name: 'huedb_compaction_lag_seconds',
      help: 'Age of the oldest uncompacted batch among collections due for compaction (0 when none is due), at the last round.',
      registers,
    }),
);

/** Collections due for compaction at the last round. */
export const collectionsDue = metric(
  'huedb_compaction_due_collections',
  (registers) =>
    new prometheus.Gauge({
      name: 'huedb_compaction_due_collections',
      help: 'Collections over the compaction thresholds (or pending forks) at the last round.',
      registers,
    }),
);
