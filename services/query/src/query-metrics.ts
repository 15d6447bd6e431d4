import type { SegmentCacheObserver } from '@huedb/index';
import { metric, prometheus, type Logger } from '@huedb/service';

/**
 * The segment cache's metrics and debug lines, as its observer:
 * `huedb_segment_cache_lookups_total{result="hit"|"miss"}` (a miss downloads the segment, or waits
 * for the download in progress), `huedb_segment_cache_segments` and `huedb_segment_cache_bytes`
 * (open in memory, as the cache counts them against its budget) and
 * `huedb_segment_cache_evictions_total`. Loads and evictions are logged at debug with the manifest
 * key and sizes (no record content).
 */
export function segmentCacheMetrics(log?: Pick<Logger, 'debug'>): SegmentCacheObserver {
  const lookups = metric(
    'huedb_segment_cache_lookups_total',
    (registers) =>
      new prometheus.Counter({
        name: 'huedb_segment_cache_lookups_total',
        help: 'Segment cache lookups, by result: hit (open in memory) or miss (downloaded or being downloaded).',
        labelNames: ['result'],
        registers,
      }),
  );
  const evictions = metric(
    'huedb_segment_cache_evictions_total',
    (registers) =>
      new prometheus.Counter({
        name: 'huedb_segment_cache_evictions_total',
        help: 'Segments dropped from memory to stay within the cache budget (reopened from disk on the next miss).',
        registers,
      }),
  );
  const segments = metric(
    'huedb_segment_cache_segments',
    (registers) =>
      new prometheus.Gauge({
        name: 'huedb_segment_cache_segments',
        help: 'Segments open in memory in the segment cache.',
        registers,
      }),
  );
  const bytes = metric(
    'huedb_segment_cache_bytes',
    (registers) =>
      new prometheus.Gauge({
        name: 'huedb_segment_cache_bytes',
        help: 'Bytes of the segments open in memory, as counted against the cache budget.',
        registers,
      }),
  );
  lookups.inc({ result: 'hit' }, 0);
  lookups.inc({ result: 'miss' }, 0);
  evictions.inc(0);
  segments.set(0);
  bytes.set(0);
  return {
    lookup: (hit) => lookups.inc({ result: hit ? 'hit' : 'miss' }),
    loaded: (manifestKey, size) =>
      log?.debug({ manifestKey, bytes: size }, 'segment cache: opened a segment'),
    evicted: (manifestKey, size) => {
      evictions.inc();
      log?.debug({ manifestKey, bytes: size }, 'segment cache: evicted a segment from memory');
    },
    size: (count, total) => {
      segments.set(count);
      bytes.set(total);
    },
  };
}

/** The query node's reads, as the gRPC handlers measure them. */
export interface QueryObserver {
  /** A read finished: its operation (get, query, count, indexing_status) and outcome. */
  read: (operation: string, seconds: number, outcome: string) => void;
  /** A read's view held this many tail records over its segment (log records not compacted). */
  tail: (records: number) => void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15];
const TAIL_BUCKETS = [0, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000];

/**
 * `huedb_query_seconds{operation,outcome}` (latency of each read on the query node, outcome `ok`
 * or the error's class) and `huedb_query_tail_records` (per read, the log records its view applies
 * over the segment: how far compaction lags where reads see it, and how much is brute-forced).
 * A histogram rather than a gauge per collection: collection ids are unbounded labels.
 */
export function queryMetrics(): QueryObserver {
  const latency = metric(
    'huedb_query_seconds',
    (registers) =>
      new prometheus.Histogram({
        name: 'huedb_query_seconds',
        help: 'Latency of reads on the query node, by operation and outcome (ok or the error class).',
        labelNames: ['operation', 'outcome'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
  );
  const tail = metric(
    'huedb_query_tail_records',
    (registers) =>
      new prometheus.Histogram({
        name: 'huedb_query_tail_records',
        help: 'Uncompacted log records a read applied over its segment (parent tails and own tail).',
        buckets: TAIL_BUCKETS,
        registers,
      }),
  );
  return {
    read: (operation, seconds, outcome) => latency.observe({ operation, outcome }, seconds),
    tail: (records) => tail.observe(records),
  };
}
