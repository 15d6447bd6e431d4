import { metric, prometheus } from '@huedb/service';

/**
 * Counts segment cache lookups by result (`huedb_segment_cache_lookups_total{result="hit"|"miss"}`);
 * pass the result to SegmentCache as its `onLookup`. A miss downloads the segment (or waits for
 * the download in progress).
 */
export function segmentCacheMetrics(): (hit: boolean) => void {
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
  lookups.inc({ result: 'hit' }, 0);
  lookups.inc({ result: 'miss' }, 0);
  return (hit) => lookups.inc({ result: hit ? 'hit' : 'miss' });
}
