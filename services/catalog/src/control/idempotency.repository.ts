import { SqlRepository } from '../sql/sql-repository.js';

/** An `idempotency_keys` row as read, locked. */
export interface IdempotencyRow {
  fingerprint: string;
  state: 'pending' | 'done';
  /** The holder's lease is still running. */
  leased: boolean;
  /** Its answer is past keeping: the key is free again. */
  expired: boolean;
  status: number | null;
  body: string | null;
}

/** Expired rows one claim removes on its way (housekeeping without a timer). */
const SWEEP_BATCH = 50;

/** The idempotency keys of writes (migration 0008). */
export class IdempotencyRepository extends SqlRepository {
  /** Takes a key that no row holds; false when a row already does. */
  async insertPending(
    tenant: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
    ttlMs: number,
  ): Promise<boolean> {
    const rows = await this.q(
      `INSERT INTO idempotency_keys (tenant, key, fingerprint, state, lease_until, expires_at)
       VALUES ($1, $2, $3, 'pending', now() + $4 * interval '1 millisecond',
               now() + $5 * interval '1 millisecond')
       ON CONFLICT (tenant, key) DO NOTHING RETURNING 1 AS inserted`,
      [tenant, key, fingerprint, leaseMs, ttlMs],
    );
    return rows.length === 1;
  }

  /** The key's row, locked until the transaction ends (so one retry at a time decides). */
  lock(tenant: string, key: string): Promise<IdempotencyRow | undefined> {
    return this.one<IdempotencyRow>(
      `SELECT fingerprint, state, lease_until > now() AS leased, expires_at <= now() AS expired,
              status, body
       FROM idempotency_keys WHERE tenant = $1 AND key = $2 FOR UPDATE`,
      [tenant, key],
    );
  }

  /** Gives a locked row to a new holder: an expired key reused, or a lease that ran out. */
  async retake(
    tenant: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
    ttlMs: number,
  ): Promise<void> {
    await this.q(
      `UPDATE idempotency_keys
       SET fingerprint = $3, state = 'pending', status = NULL, body = NULL,
           lease_until = now() + $4 * interval '1 millisecond',
           expires_at = now() + $5 * interval '1 millisecond'
       WHERE tenant = $1 AND key = $2`,
      [tenant, key, fingerprint, leaseMs, ttlMs],
    );
  }

  /** Keeps the answer of a pending key; false when the row is no longer that request's. */
  async finish(
    tenant: string,
    key: string,
    fingerprint: string,
    status: number,
    body: string,
    ttlMs: number,
  ): Promise<boolean> {
    const rows = await this.q(
      `UPDATE idempotency_keys
       SET state = 'done', status = $4, body = $5, lease_until = now(),
           expires_at = now() + $6 * interval '1 millisecond'
       WHERE tenant = $1 AND key = $2 AND fingerprint = $3 AND state = 'pending'
       RETURNING 1 AS finished`,
      [tenant, key, fingerprint, status, body, ttlMs],
    );
    return rows.length === 1;
  }

  /** Frees a pending key whose write failed without an answer to keep. */
  async release(tenant: string, key: string, fingerprint: string): Promise<boolean> {
    const rows = await this.q(
      `DELETE FROM idempotency_keys
       WHERE tenant = $1 AND key = $2 AND fingerprint = $3 AND state = 'pending'
       RETURNING 1 AS released`,
      [tenant, key, fingerprint],
    );
    return rows.length === 1;
  }

  /** Removes some expired rows; how many. */
  async sweep(): Promise<number> {
    const rows = await this.q(
      `DELETE FROM idempotency_keys WHERE (tenant, key) IN (
         SELECT tenant, key FROM idempotency_keys WHERE expires_at <= now()
         ORDER BY expires_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING 1 AS swept`,
    );
    return rows.length;
  }
}
