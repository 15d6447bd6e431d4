import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '@huedb/core';
import { GetUsageResponseSchema } from '@huedb/proto/control';
import { parseUsageQuery, usageCsv, usageReport } from './usage-report.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 3, 0, 0, 0);

describe('usage reports', () => {
  it('parses ranges as ISO or Unix ms, rounds from down to the bucket, and refuses bad ones', () => {
    expect(parseUsageQuery({ from: '2026-12-03T05:30:00Z', to: String(T0 + 8 * H) })).toEqual({
      fromMs: T0 + 5 * H,
      toMs: T0 + 8 * H,
      granularity: 'hour',
      format: 'json',
    });
    expect(parseUsageQuery({ granularity: 'day' }, T0 + 40 * H).fromMs).toBe(T0 - 29 * 24 * H);
    for (const bad of [
      { from: 'yesterday' },
      { granularity: 'minute' },
      { format: 'xml' },
      { from: String(T0), to: String(T0 - 1) },
      { from: '0', to: String(T0) },
    ]) {
      expect(() => parseUsageQuery(bad, T0), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('fills every bucket, sums counters, carries gauges forward, and rolls hours into days', () => {
    const entry = (hour: number, metric: string, value: number) => ({
      tenant: 't',
      hourStartMs: BigInt(T0 + hour * H),
      metric,
      value: BigInt(value),
    });
    const usage = create(GetUsageResponseSchema, {
      entries: [
        entry(1, 'queries', 3),
        entry(1, 'stored_records', 10),
        entry(3, 'queries', 2),
        entry(25, 'stored_records', 4),
      ],
      gaugesBefore: [entry(-5, 'stored_records', 7)],
    });
    const hourly = usageReport(
      't',
      parseUsageQuery({ from: String(T0), to: String(T0 + 4 * H) }),
      usage,
    );
    expect(hourly.series.map((b) => [b.queries, b.stored_records])).toEqual([
      [0, 7],
      [3, 10],
      [0, 10],
      [2, 10],
    ]);
    expect(hourly.totals.queries).toBe(5);
    const daily = usageReport(
      't',
      parseUsageQuery({ from: String(T0), to: String(T0 + 48 * H), granularity: 'day' }),
      usage,
    );
    expect(daily.series.map((b) => [b.start, b.queries, b.stored_records])).toEqual([
      ['2026-12-03T00:00:00.000Z', 5, 10],
      ['2026-12-04T00:00:00.000Z', 0, 4],
    ]);
    const csv = usageCsv(daily).split('\r\n');
    expect(csv[0]).toBe(
      'start,requests,queries,records_returned,records_written,records_deleted,bytes_written,compaction_ms,stored_records,stored_bytes',
    );
    expect(csv[1]).toBe('2026-12-03T00:00:00.000Z,0,5,0,0,0,0,0,10,0');
    expect(csv).toHaveLength(4);
  });
});
