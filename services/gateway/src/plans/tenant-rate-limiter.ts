import { LRUCache } from 'lru-cache';
import { RateLimitedError, type Limits } from '@huedb/core';
import type { Logger } from '@huedb/service';
import type { RateLimitClient } from '../accounts/login-limiter.js';

/**
 * How long a lease of request points may be spent from: points left in it when it ends are lost
 * (not given back), which bounds what a lease costs a tenant at one lease per gateway per second.
 */
export const LEASE_MS = 1000;
/** A lease covers about this long at the plan's rate (but at most a tenth of the burst). */
const LEASE_SHARE_OF_SECOND = 0.05;

/** What a request learned about its tenant's request rate: for the RateLimit headers. */
export interface RateState {
  /** The bucket: `burst` requests, refilling over `windowSeconds`. */
  readonly burst: number;
  readonly windowSeconds: number;
  /** Requests left (shared bucket as last seen, plus this gateway's unspent lease). */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
}

/** A 429: the tenant spent its plan's request rate; `retryAfterSeconds` for Retry-After. */
export class RequestRateLimitedError extends RateLimitedError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly state: RateState,
    perSecond: number,
  ) {
    super(
      `Rate limit exceeded: the plan allows ${perSecond} requests per second ` +
        `(bursts of ${state.burst}); retry after ${retryAfterSeconds} s`,
    );
  }
}

interface Lease {
  points: number;
  expiresAt: number;
  /** The shared bucket after the lease was taken. */
  sharedRemaining: number;
  resetAt: number;
  /** A lease being taken: concurrent requests wait for it instead of each asking. */
  pending?: Promise<void> | undefined;
  /** After a refusal: refused here, without asking, until the bucket has a point again. */
  blockedUntil: number;
  retryAt: number;
}

/**
 * Tenants' request rates, shared by every gateway (docs/decisions/0029-plans-and-quotas.md): one
 * GCRA bucket per tenant in the control plane (ConsumeRateLimit, decision 0027), holding the
 * plan's `request_burst` and refilling at `requests_per_second`. A gateway does not ask for every
 * request: it takes a LEASE of a few points at once (about 50 ms of the rate) and spends it
 * locally, so the control plane sees about 20 calls per second per busy tenant and gateway. Every
 * request admitted was paid for in the shared bucket, so N gateways together admit the plan's
 * rate, not N times it; leases only make a tenant lose a little (points left when a lease ends).
 *
 * If the control plane cannot be asked, requests are let through (and logged): a rate limit
 * protects capacity, and refusing every tenant's requests for it would be the outage it guards
 * against. Authentication fails closed; this does not.
 */
export class TenantRateLimiter {
  private readonly leases = new LRUCache<string, Lease>({ max: 100_000 });

  constructor(
    private readonly control: RateLimitClient,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one request from the tenant's bucket; throws {@link RequestRateLimitedError} when it
   * is empty. Returns the state for the RateLimit headers, or undefined for an unlimited plan.
   */
  async take(tenant: string, limits: Limits): Promise<RateState | undefined> {
    const rate = limits.requestsPerSecond;
    if (!Number.isFinite(rate)) return undefined;
    const burst = Math.max(1, Number.isFinite(limits.requestBurst) ? limits.requestBurst : rate);
    const windowMs = Math.max(1, Math.round((burst / Math.max(rate, 1e-6)) * 1000));
    const key = `tenant:${tenant}:requests:${burst}:${windowMs}`;
    for (;;) {
      const lease = this.leases.get(key);
      const now = this.now();
      if (lease && lease.points > 0 && lease.expiresAt > now) {
        lease.points -= 1;
        return state(lease, burst, windowMs, now);
      }
      if (lease?.pending) {
        // Its outcome is the taker's to report; the waiters look at the lease again.
        await lease.pending.catch(() => undefined);
        continue;
      }
      if (lease && lease.blockedUntil > now) {
        const retryAfterSeconds = Math.max(1, Math.ceil((lease.retryAt - now) / 1000));
        throw new RequestRateLimitedError(
          retryAfterSeconds,
          state(lease, burst, windowMs, now),
          rate,
        );
      }
      const size = Math.max(
        1,
        Math.min(Math.ceil(rate * LEASE_SHARE_OF_SECOND), Math.floor(burst / 10)),
      );
      const next: Lease = lease ?? {
        points: 0,
        expiresAt: 0,
        sharedRemaining: burst,
        resetAt: now,
        blockedUntil: 0,
        retryAt: 0,
      };
      let refusal: RequestRateLimitedError | undefined;
      next.pending = this.lease(key, next, size, burst, windowMs, rate).catch((err: unknown) => {
        refusal = err instanceof RequestRateLimitedError ? err : undefined;
        if (!refusal) throw err;
      });
      this.leases.set(key, next);
      try {
        await next.pending;
      } catch (err) {
        // The control plane failed: let this request through (see the class comment).
        this.log?.warn({ err, tenant }, 'request rate not checked: the control plane failed');
        return undefined;
      } finally {
        next.pending = undefined;
      }
      if (refusal) throw refusal;
    }
  }

  /** Takes a lease of `size` points, or of one when `size` no longer fits; refusal throws. */
  private async lease(
    key: string,
    lease: Lease,
    size: number,
    burst: number,
    windowMs: number,
    rate: number,
  ): Promise<void> {
    let answer = await this.control.consumeRateLimit({
      key,
      points: size,
      limit: burst,
      windowMs: BigInt(windowMs),
    });
    if (!answer.allowed && size > 1) {
      answer = await this.control.consumeRateLimit({
        key,
        points: 1,
        limit: burst,
        windowMs: BigInt(windowMs),
      });
      size = 1;
    }
    const now = this.now();
    lease.sharedRemaining = answer.remaining;
    lease.resetAt = now + Number(answer.resetAfterMs);
    if (!answer.allowed) {
      lease.points = 0;
      // One point comes back every windowMs / burst: until then every request here is refused
      // without asking (a tenant over its rate must not turn into control plane load).
      lease.retryAt = now + Number(answer.retryAfterMs);
      lease.blockedUntil = Math.min(lease.retryAt, now + Math.ceil(windowMs / burst));
      const retryAfterSeconds = Math.max(1, Math.ceil(Number(answer.retryAfterMs) / 1000));
      throw new RequestRateLimitedError(
        retryAfterSeconds,
        state(lease, burst, windowMs, now),
        rate,
      );
    }
    lease.points = size;
    lease.expiresAt = now + LEASE_MS;
  }
}

function state(lease: Lease, burst: number, windowMs: number, now: number): RateState {
  return {
    burst,
    windowSeconds: Math.max(1, Math.ceil(windowMs / 1000)),
    remaining: Math.max(0, Math.min(burst, lease.sharedRemaining + lease.points)),
    resetSeconds: Math.max(0, Math.ceil((lease.resetAt - now) / 1000)),
  };
}
