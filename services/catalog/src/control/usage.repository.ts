import { SqlRepository } from '../sql/sql-repository.js';

/** One hour's amount of one metric for one tenant. */
export interface UsageAmount {
  tenant: string;
  hourStartMs: bigint;
  metric: string;
  value: bigint;
}

/** A `usage_hourly` row as read. */
export interface UsageRow {
  tenant: string;
  hour_ms: string;
  metric: string;
  value: string;
}

/** A live collection's stored size as read. */
export interface CollectionUsageRow {
  id: string;
  name: string;
  database: string;
  stored_records: string;
  stored_bytes: string;
}

const HOUR_MS = 3_600_000n;

/** Amounts as the JSON array the statements unpack (`jsonb_to_recordset`), one per key. */
function amountsJson(amounts: readonly UsageAmount[]): string {
  const summed = new Map<string, UsageAmount>();
  for (const a of amounts) {
    const hourStartMs = a.hourStartMs - (a.hourStartMs % HOUR_MS);
    const key = `${a.tenant}\u0001${hourStartMs}\u0001${a.metric}`;
    const seen = summed.get(key);
    // One row per key: ON CONFLICT cannot touch a row twice in one statement.
    if (seen) seen.value += a.value;
    else summed.set(key, { ...a, hourStartMs });
  }
  return JSON.stringify(
    [...summed.values()].map((a) => ({
      tenant: a.tenant,
      hour_ms: a.hourStartMs.toString(),
      metric: a.metric,
      value: a.value.toString(),
    })),
  );
}

const ROWS = `jsonb_to_recordset($1::jsonb) AS e(tenant text, hour_ms int8, metric text, value int8)`;
const HOUR = `to_timestamp(e.hour_ms / 1000.0)`;

/**
 * The usage tables (migration 0007): hourly amounts per tenant and metric, the reporters'
 * last applied reports, and the collections' stored sizes.
 */
export class UsageRepository extends SqlRepository {
  /**
   * Adds counter amounts to their hours' totals. Amounts of tenants that do not exist are
   * dropped: a gateway meters requests before it knows whether the path's tenant exists, and a
   * made-up name must not become a row.
   */
  async addCounters(amounts: readonly UsageAmount[]): Promise<void> {
    if (amounts.length === 0) return;
    await this.q(
      `INSERT INTO usage_hourly AS u (tenant, hour, metric, value)
       SELECT e.tenant, ${HOUR}, e.metric, e.value FROM ${ROWS} JOIN tenants t ON t.name = e.tenant
       ON CONFLICT (tenant, hour, metric) DO UPDATE SET value = u.value + EXCLUDED.value`,
      [amountsJson(amounts)],
    );
  }

  /** Sets gauge readings: each hour keeps the latest. */
  async setGauges(amounts: readonly UsageAmount[]): Promise<void> {
    if (amounts.length === 0) return;
    await this.q(
      `INSERT INTO usage_hourly (tenant, hour, metric, value)
       SELECT e.tenant, ${HOUR}, e.metric, e.value FROM ${ROWS}
       ON CONFLICT (tenant, hour, metric) DO UPDATE SET value = EXCLUDED.value`,
      [amountsJson(amounts)],
    );
  }

  /**
   * Claims report `sequence` of `reporter`: true when it is above the last one applied (and is
   * now the last), false for a retry. Callers claim and add in one transaction.
   */
  async claimReport(reporter: string, sequence: bigint): Promise<boolean> {
    const rows = await this.q(
      `INSERT INTO usage_reporters AS r (reporter, last_sequence) VALUES ($1, $2::int8)
       ON CONFLICT (reporter) DO UPDATE SET last_sequence = EXCLUDED.last_sequence, updated_at = now()
         WHERE r.last_sequence < EXCLUDED.last_sequence
       RETURNING 1`,
      [reporter, sequence.toString()],
    );
    return rows.length === 1;
  }

  /** Forgets reporters silent for `olderThanMs` (their processes are long gone). */
  async forgetReporters(olderThanMs: number): Promise<number> {
    const rows = await this.q(
      `DELETE FROM usage_reporters WHERE updated_at < now() - $1::int8 * interval '1 millisecond'
       RETURNING 1`,
      [olderThanMs],
    );
    return rows.length;
  }

  /** A tenant's rows with from ≤ hour < to, by hour then metric. */
  async range(tenant: string, fromMs: bigint, toMs: bigint): Promise<UsageRow[]> {
    return this.q<UsageRow>(
      `SELECT tenant, floor(extract(epoch FROM hour) * 1000)::int8::text AS hour_ms, metric,
              value::text
         FROM usage_hourly
        WHERE tenant = $1 AND hour >= to_timestamp($2::int8 / 1000.0)
          AND hour < to_timestamp($3::int8 / 1000.0)
        ORDER BY hour, metric`,
      [tenant, fromMs.toString(), toMs.toString()],
    );
  }

  /** Each of `metrics`' latest row before `beforeMs` (the gauges' starting readings). */
  async latestBefore(
    tenant: string,
    metrics: readonly string[],
    beforeMs: bigint,
  ): Promise<UsageRow[]> {
    return this.q<UsageRow>(
      `SELECT DISTINCT ON (metric) tenant, floor(extract(epoch FROM hour) * 1000)::int8::text
              AS hour_ms, metric, value::text
         FROM usage_hourly
        WHERE tenant = $1 AND metric IN (SELECT jsonb_array_elements_text($2::jsonb))
          AND hour < to_timestamp($3::int8 / 1000.0)
        ORDER BY metric, hour DESC`,
      [tenant, JSON.stringify(metrics), beforeMs.toString()],
    );
  }

  /** Records a collection's stored size after a compaction. */
  async setCollectionSize(id: string, records: bigint, bytes: bigint): Promise<void> {
    await this.q(
      `UPDATE collections SET stored_records = $2::int8, stored_bytes = $3::int8 WHERE id = $1`,
      [id, records.toString(), bytes.toString()],
    );
  }

  /** The tenant's live collections and their stored sizes, by database then name. */
  async collections(tenant: string): Promise<CollectionUsageRow[]> {
    return this.q<CollectionUsageRow>(
      `SELECT c.id::text, c.name, d.name AS database, c.stored_records::text,
              c.stored_bytes::text
         FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE d.tenant = $1 AND c.deleted_at IS NULL AND d.deleted_at IS NULL
        ORDER BY d.name, c.name`,
      [tenant],
    );
  }

  /** The tenant's stored totals over its live collections. */
  async storedTotals(tenant: string): Promise<{ records: bigint; bytes: bigint }> {
    const row = await this.one<{ records: string; bytes: string }>(
      `SELECT coalesce(sum(c.stored_records), 0)::text AS records,
              coalesce(sum(c.stored_bytes), 0)::text AS bytes
         FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE d.tenant = $1 AND c.deleted_at IS NULL AND d.deleted_at IS NULL`,
      [tenant],
    );
    return { records: BigInt(row?.records ?? '0'), bytes: BigInt(row?.bytes ?? '0') };
  }
}
