import { InvalidArgumentError } from '@huedb/core';
import type { GetUsageResponse } from '@huedb/proto/control';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The most buckets one answer holds (400 days of days, ~13 months of hours). */
const MAX_BUCKETS = 10_000;

/** Counters: summed per bucket (docs/decisions/0030-usage-metering.md lists what each counts). */
export const COUNTER_METRICS = [
  'requests',
  'queries',
  'records_returned',
  'records_written',
  'records_deleted',
  'bytes_written',
  'compaction_ms',
] as const;
/** Gauges: the latest reading in (or before) the bucket. */
export const GAUGE_METRICS = ['stored_records', 'stored_bytes'] as const;
const METRICS = [...COUNTER_METRICS, ...GAUGE_METRICS];

export type Granularity = 'hour' | 'day';

/** A usage request's range, checked. */
export interface UsageQuery {
  fromMs: number;
  toMs: number;
  granularity: Granularity;
  format: 'json' | 'csv';
}

/** The query parameters of a usage route (every one optional). */
export interface UsageParams {
  from?: string | undefined;
  to?: string | undefined;
  granularity?: string | undefined;
  format?: string | undefined;
}

/** The query parameters' schemas, for the OpenAPI document. */
export const USAGE_QUERY = {
  from: {
    type: 'string',
    description:
      'Start (ISO 8601 or Unix ms), rounded down to the bucket; default: 24 hours (hour) or 30 days (day) before `to`.',
  },
  to: { type: 'string', description: 'End, exclusive (ISO 8601 or Unix ms); default: now.' },
  granularity: {
    type: 'string',
    enum: ['hour', 'day'],
    description: 'Bucket size (default hour).',
  },
  format: { type: 'string', enum: ['json', 'csv'], description: 'json (default) or csv.' },
} as const;

function instant(value: string, name: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new InvalidArgumentError(`${name} must be an ISO 8601 time or Unix milliseconds`);
  }
  return ms;
}

/** Checks a usage route's parameters; 400 for anything malformed or too wide. */
export function parseUsageQuery(params: UsageParams, now = Date.now()): UsageQuery {
  const granularity = params.granularity ?? 'hour';
  if (granularity !== 'hour' && granularity !== 'day') {
    throw new InvalidArgumentError('granularity must be hour or day');
  }
  const format = params.format ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new InvalidArgumentError('format must be json or csv');
  const size = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const toMs = params.to ? instant(params.to, 'to') : now;
  const rawFrom = params.from
    ? instant(params.from, 'from')
    : toMs - (granularity === 'hour' ? DAY_MS : 30 * DAY_MS);
  const fromMs = Math.max(0, rawFrom - (rawFrom % size));
  if (toMs < fromMs) throw new InvalidArgumentError('to must not be before from');
  if (Math.ceil((toMs - fromMs) / size) > MAX_BUCKETS) {
    throw new InvalidArgumentError(
      `at most ${MAX_BUCKETS} buckets per request: narrow the range or use granularity=day`,
    );
  }
  return { fromMs, toMs, granularity, format };
}

type Bucket = { start: string } & Record<(typeof METRICS)[number], number>;

/** The answer of a usage route. */
export interface UsageReport {
  tenant: string;
  from: string;
  to: string;
  granularity: Granularity;
  series: Bucket[];
  totals: Record<(typeof COUNTER_METRICS)[number], number>;
  collections: { id: string; name: string; database: string; records: number; bytes: number }[];
}

/**
 * The control plane's hourly rows as buckets of the requested size, every bucket present (zeros
 * where nothing was metered); gauges carry their latest reading forward from before the range.
 */
export function usageReport(
  tenant: string,
  query: UsageQuery,
  usage: GetUsageResponse,
): UsageReport {
  const size = query.granularity === 'hour' ? HOUR_MS : DAY_MS;
  const series: Bucket[] = [];
  const gauge: Record<string, number> = { stored_records: 0, stored_bytes: 0 };
  for (const g of usage.gaugesBefore) gauge[g.metric] = Number(g.value);
  const byBucket = new Map<number, Map<string, number>>();
  for (const entry of usage.entries) {
    const hour = Number(entry.hourStartMs);
    const start = hour - (hour % size);
    let metrics = byBucket.get(start);
    if (!metrics) byBucket.set(start, (metrics = new Map<string, number>()));
    const value = Number(entry.value);
    if ((GAUGE_METRICS as readonly string[]).includes(entry.metric)) {
      // Rows come by hour: a later hour's reading replaces an earlier one in the same day.
      metrics.set(entry.metric, value);
    } else metrics.set(entry.metric, (metrics.get(entry.metric) ?? 0) + value);
  }
  const totals = Object.fromEntries(COUNTER_METRICS.map((m) => [m, 0])) as UsageReport['totals'];
  for (let start = query.fromMs; start < query.toMs; start += size) {
    const metrics = byBucket.get(start);
    const bucket = { start: new Date(start).toISOString() } as Bucket;
    for (const m of COUNTER_METRICS) {
      bucket[m] = metrics?.get(m) ?? 0;
      totals[m] += bucket[m];
    }
    for (const m of GAUGE_METRICS) {
      if (metrics?.has(m)) gauge[m] = metrics.get(m)!;
      bucket[m] = gauge[m]!;
    }
    series.push(bucket);
  }
  return {
    tenant,
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    granularity: query.granularity,
    series,
    totals,
    collections: usage.collections.map((c) => ({
      id: c.collectionId,
      name: c.name,
      database: c.database,
      records: Number(c.records),
      bytes: Number(c.bytes),
    })),
  };
}

/** The series as CSV (RFC 4180): a header, then one line per bucket. */
export function usageCsv(report: UsageReport): string {
  const header = ['start', ...METRICS].join(',');
  const lines = report.series.map((b) => [b.start, ...METRICS.map((m) => b[m])].join(','));
  return `${[header, ...lines].join('\r\n')}\r\n`;
}

const bucketSchema = {
  type: 'object',
  required: ['start', ...METRICS],
  additionalProperties: false,
  properties: {
    start: { type: 'string', format: 'date-time' },
    ...Object.fromEntries(METRICS.map((m) => [m, { type: 'integer', minimum: 0 }])),
  },
};

/** The JSON answer's schema, for the OpenAPI document. */
export const usageReportSchema = {
  type: 'object',
  required: ['tenant', 'from', 'to', 'granularity', 'series', 'totals', 'collections'],
  additionalProperties: false,
  properties: {
    tenant: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    granularity: { type: 'string', enum: ['hour', 'day'] },
    series: { type: 'array', items: bucketSchema },
    totals: {
      type: 'object',
      required: [...COUNTER_METRICS],
      additionalProperties: false,
      properties: Object.fromEntries(
        COUNTER_METRICS.map((m) => [m, { type: 'integer', minimum: 0 }]),
      ),
    },
    collections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'database', 'records', 'bytes'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          database: { type: 'string' },
          records: { type: 'integer', minimum: 0 },
          bytes: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

/** Both answers, for a route's contract. */
export const USAGE_RESPONSE = {
  content: { 'application/json': usageReportSchema, 'text/csv': { type: 'string' } },
};
