import type {
  CollectionUsage,
  GetUsageRequest,
  RecordUsageRequest,
  UsageEntry,
} from '@huedb/proto/control';
import type { Input } from '../catalog.input.js';
import { invalid, tenantNotFound } from '../catalog.errors.js';
import { requireText } from './control.input.js';
import type { ControlRepositories } from './control.repository.js';
import type { UsageRow } from './usage.repository.js';

/** The metrics whose hourly value is a reading (the hour's latest), not a sum. */
export const GAUGE_METRICS = ['stored_records', 'stored_bytes'] as const;
const MAX_ENTRIES = 10_000;
const MAX_METRIC_NAME = 64;
const MAX_REPORTER = 128;
/** The widest range one GetUsage may ask for: 400 days of hours. */
const MAX_RANGE_MS = 400n * 24n * 3_600_000n;
/** A reporter silent this long is a process long gone: its last sequence is forgotten. */
const REPORTER_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Usage metering (RecordUsage, GetUsage; docs/decisions/0030-usage-metering.md). Gateways report
 * what they counted (requests, queries, records returned) as numbered reports; a report is
 * applied in one transaction with its number, so a retried report — its answer lost, say — is
 * not counted twice. Compactions meter in their own registration (SegmentService).
 */
export class UsageService {
  constructor(private readonly repos: ControlRepositories) {}

  async record(req: Input<RecordUsageRequest>): Promise<boolean> {
    const reporter = requireText('reporter', req.reporter, MAX_REPORTER);
    if (req.sequence <= 0n) throw invalid('sequence must be at least 1');
    const entries = req.entries ?? [];
    if (entries.length > MAX_ENTRIES) throw invalid(`at most ${MAX_ENTRIES} entries per report`);
    const amounts = entries.map((entry) => {
      const metric = requireText('metric', entry.metric, MAX_METRIC_NAME);
      if ((GAUGE_METRICS as readonly string[]).includes(metric)) {
        throw invalid(`${metric} is measured by compactions, not reported`);
      }
      if (entry.value < 0n) throw invalid('values must not be negative');
      return {
        tenant: entry.tenant,
        hourStartMs: entry.hourStartMs,
        metric,
        value: entry.value,
      };
    });
    const applied = await this.repos.transaction(async (tx) => {
      if (!(await tx.usage.claimReport(reporter, req.sequence))) return false;
      // A tenant that does not exist (a request for a made-up one) is skipped, not refused: one
      // such amount must not hold back a whole report.
      await tx.usage.addCounters(amounts.filter((a) => a.value > 0n && a.tenant !== ''));
      return true;
    });
    // Housekeeping off the report's path: a failure here costs nothing but a stale row.
    if (applied && req.sequence % 1000n === 1n) {
      await this.repos.usage.forgetReporters(REPORTER_RETENTION_MS).catch(() => 0);
    }
    return applied;
  }

  async get(req: Input<GetUsageRequest>): Promise<{
    entries: Input<UsageEntry>[];
    gaugesBefore: Input<UsageEntry>[];
    collections: Input<CollectionUsage>[];
  }> {
    if (req.fromMs < 0n || req.toMs < req.fromMs) throw invalid('from must be ≥ 0 and ≤ to');
    if (req.toMs - req.fromMs > MAX_RANGE_MS) throw invalid('the range may span at most 400 days');
    if (!(await this.repos.tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    const [rows, before, collections] = await Promise.all([
      this.repos.usage.range(req.tenant, req.fromMs, req.toMs),
      this.repos.usage.latestBefore(req.tenant, GAUGE_METRICS, req.fromMs),
      this.repos.usage.collections(req.tenant),
    ]);
    return {
      entries: rows.map(entryMessage),
      gaugesBefore: before.map(entryMessage),
      collections: collections.map((c) => ({
        collectionId: c.id,
        name: c.name,
        database: c.database,
        records: BigInt(c.stored_records),
        bytes: BigInt(c.stored_bytes),
      })),
    };
  }
}

function entryMessage(row: UsageRow): Input<UsageEntry> {
  return {
    tenant: row.tenant,
    hourStartMs: BigInt(row.hour_ms),
    metric: row.metric,
    value: BigInt(row.value),
  };
}
