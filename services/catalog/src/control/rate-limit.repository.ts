import { SqlRepository } from '../sql/sql-repository.js';

/** The database's clock in Unix microseconds (one value within a statement). */
const NOW_US = `floor(extract(epoch FROM now()) * 1000000)::int8`;

/** A bucket after a consume, or as read. */
export interface RateLimitRow {
  /** The theoretical arrival time (µs): the bucket is full once the clock reaches it. */
  tat_us: string;
  /** The database's clock of the statement (µs). */
  now_us: string;
  /** Whether the last consume took its points (consume only). */
  allowed: boolean;
}

/**
 * The `rate_limits` table (migration 0005): GCRA buckets, one row per key. Each consume is one
 * statement, so the row lock orders concurrent consumes of a key whichever catalog replica or
 * connection they come through, and no two of them can both take the last point.
 */
export class RateLimitRepository extends SqlRepository {
  /**
   * Takes `points` (> 0: all or none; < 0: gives them back) from the bucket `key`, where a
   * point costs `intervalUs` of the `burstUs` a full bucket holds. The new arrival time is
   * max(tat, now) + points × interval, never before now; it is kept only when it is within
   * `burstUs` of now (a refusal leaves the row as it was but for `allowed`). A missing row is a
   * full bucket.
   */
  async consume(
    key: string,
    points: number,
    intervalUs: bigint,
    burstUs: bigint,
  ): Promise<RateLimitRow> {
    // $2 points, $3 interval, $4 burst. `candidate` is the arrival time if the points are taken.
    const candidate = (tat: string) =>
      `GREATEST(GREATEST(${tat}, ${NOW_US}) + $2::int8 * $3::int8, ${NOW_US})`;
    const fits = (tat: string) => `($2::int8 <= 0 OR ${candidate(tat)} - ${NOW_US} <= $4::int8)`;
    const row = await this.one<RateLimitRow>(
      `INSERT INTO rate_limits AS r (key, tat_us, allowed)
       VALUES ($1,
               CASE WHEN ${fits(NOW_US)} THEN ${candidate(NOW_US)} ELSE ${NOW_US} END,
               ${fits(NOW_US)})
       ON CONFLICT (key) DO UPDATE SET
         tat_us = CASE WHEN ${fits('r.tat_us')} THEN ${candidate('r.tat_us')} ELSE r.tat_us END,
         allowed = ${fits('r.tat_us')}
       RETURNING tat_us::text, ${NOW_US}::text AS now_us, allowed`,
      [key, points, intervalUs.toString(), burstUs.toString()],
    );
    return row!;
  }

  /** The bucket as it is, without writing (undefined: full). */
  async read(key: string): Promise<Omit<RateLimitRow, 'allowed'> | undefined> {
    return this.one<Omit<RateLimitRow, 'allowed'>>(
      `SELECT tat_us::text, ${NOW_US}::text AS now_us FROM rate_limits WHERE key = $1`,
      [key],
    );
  }

  /** Refills the bucket; true when it was not full. */
  async delete(key: string): Promise<boolean> {
    const rows = await this.q(
      `DELETE FROM rate_limits WHERE key = $1 RETURNING tat_us > ${NOW_US} AS was_used`,
      [key],
    );
    return rows.length > 0 && (rows[0] as { was_used: boolean }).was_used;
  }

  /** Deletes full buckets (their rows say nothing a missing row would not); returns how many. */
  async sweep(): Promise<number> {
    const rows = await this.q(`DELETE FROM rate_limits WHERE tat_us <= ${NOW_US} RETURNING 1`);
    return rows.length;
  }
}
