import {
  BeginIdempotentWriteResponse_Outcome as Outcome,
  type BeginIdempotentWriteRequest,
  type FinishIdempotentWriteRequest,
} from '@huedb/proto/control';
import type { Input } from '../catalog.input.js';
import { invalid } from '../catalog.errors.js';
import { requireText } from './control.input.js';
import type { ControlRepositories } from './control.repository.js';

const MAX_KEY = 255;
const MAX_FINGERPRINT = 128;
/** An answer kept longer than a week is not a retry's any more. */
const MAX_TTL_MS = 7n * 24n * 3_600_000n;
/** A write holding its key longer than this is gone (its gateway died): a retry may run it. */
const MAX_LEASE_MS = 3_600_000n;
/** The largest answer kept: the write routes answer `{}` or `{"deleted": n}`. */
const MAX_BODY = 64 * 1024;

/**
 * Idempotency keys of writes (docs/decisions/0031-idempotent-writes.md). A write that carries a
 * key is begun here before it runs and finished after: one request at a time holds a key, the
 * answer of a finished write is replayed to its retries until it expires, and a key sent with a
 * different request is refused. Every decision is one transaction on the key's row, so two
 * gateways racing with the same key cannot both run the write.
 */
export class IdempotencyService {
  constructor(private readonly repos: ControlRepositories) {}

  async begin(
    req: Input<BeginIdempotentWriteRequest>,
  ): Promise<{ outcome: Outcome; status: number; body: string }> {
    const { tenant, key, fingerprint } = checked(req);
    const leaseMs = bounded('lease_ms', req.leaseMs, MAX_LEASE_MS);
    const ttl = bounded('ttl_ms', req.ttlMs, MAX_TTL_MS);
    const none = { status: 0, body: '' };
    const result = await this.repos.transaction(async (tx) => {
      if (await tx.idempotency.insertPending(tenant, key, fingerprint, leaseMs, ttl)) {
        return { outcome: Outcome.STARTED, ...none };
      }
      const row = await tx.idempotency.lock(tenant, key);
      // Gone between the insert and the lock (a sweep or a release): the key is free.
      if (!row || row.expired) {
        if (row) await tx.idempotency.retake(tenant, key, fingerprint, leaseMs, ttl);
        else await tx.idempotency.insertPending(tenant, key, fingerprint, leaseMs, ttl);
        return { outcome: Outcome.STARTED, ...none };
      }
      if (row.fingerprint !== fingerprint) return { outcome: Outcome.MISMATCH, ...none };
      if (row.state === 'done') {
        return { outcome: Outcome.REPLAY, status: row.status ?? 200, body: row.body ?? '' };
      }
      if (row.leased) return { outcome: Outcome.IN_PROGRESS, ...none };
      // The holder's lease ran out without an answer (its gateway died mid-write): this retry
      // runs the write. Whether the first attempt reached the log is unknown; see 0031.
      await tx.idempotency.retake(tenant, key, fingerprint, leaseMs, ttl);
      return { outcome: Outcome.STARTED, ...none };
    });
    // Housekeeping off the decision's transaction: a failure here costs a stale row, no more.
    if (result.outcome === Outcome.STARTED) await this.repos.idempotency.sweep().catch(() => 0);
    return result;
  }

  async finish(req: Input<FinishIdempotentWriteRequest>): Promise<boolean> {
    const { tenant, key, fingerprint } = checked(req);
    if (req.status === undefined) return this.repos.idempotency.release(tenant, key, fingerprint);
    if (req.status < 200 || req.status > 299) throw invalid('only a success is kept for replay');
    if (req.body.length > MAX_BODY) throw invalid(`an answer may have at most ${MAX_BODY} bytes`);
    const ttl = bounded('ttl_ms', req.ttlMs, MAX_TTL_MS);
    return this.repos.idempotency.finish(tenant, key, fingerprint, req.status, req.body, ttl);
  }
}

function checked(req: { tenant: string; key: string; fingerprint: string }) {
  return {
    tenant: requireText('tenant', req.tenant, 128),
    key: requireText('key', req.key, MAX_KEY),
    fingerprint: requireText('fingerprint', req.fingerprint, MAX_FINGERPRINT),
  };
}

function bounded(name: string, value: bigint, max: bigint): number {
  if (value <= 0n || value > max) throw invalid(`${name} must be within [1, ${max}]`);
  return Number(value);
}
