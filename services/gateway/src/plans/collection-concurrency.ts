import { RateLimitedError } from '@huedb/core';

/** What a request does to a collection, for its plan's concurrency limits. */
export type CollectionAccess = 'read' | 'write';

/** A 429: the collection has as many reads (or writes) in flight as the plan allows. */
export class ConcurrencyLimitedError extends RateLimitedError {
  /** Seconds for Retry-After: a slot frees as soon as one request ends. */
  readonly retryAfterSeconds = 1;

  constructor(access: CollectionAccess, limit: number) {
    super(
      `Too many concurrent ${access}s of this collection: the plan allows ${limit} at a time; retry after 1 s`,
    );
  }
}

/**
 * Reads and writes in flight per collection, against the plan's
 * `max_concurrent_{reads,writes}_per_collection` (docs/decisions/0029-plans-and-quotas.md). The
 * limit holds over every gateway by SHARES, not by asking anyone per request: each gateway takes
 * ⌊limit / live gateways⌋ (at least 1), the live gateways counted from the catalog's membership
 * (gateways heartbeat as role `gateway`). The sum of the shares never exceeds the limit while
 * there are no more gateways than the limit allows; beyond that each gateway still admits one.
 * A request over its gateway's share is refused (429), never queued: queued requests would hold
 * memory and sockets and answer late, and the client's retry with backoff does the same better.
 */
export class CollectionConcurrency {
  private readonly inflight = new Map<string, number>();
  private gateways = 1;

  /** How many gateways share the limits (from the membership; 1 until known). */
  setGateways(n: number): void {
    this.gateways = Math.max(1, Math.floor(n));
  }

  /** This gateway's share of `limit`. */
  share(limit: number): number {
    return Number.isFinite(limit) ? Math.max(1, Math.floor(limit / this.gateways)) : Infinity;
  }

  /** Runs `fn` holding one of the collection's slots; ConcurrencyLimitedError when none is free. */
  async run<T>(
    collectionId: string,
    access: CollectionAccess,
    limit: number,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (!Number.isFinite(limit)) return fn();
    const key = `${access}:${collectionId}`;
    const now = this.inflight.get(key) ?? 0;
    if (now >= this.share(limit)) throw new ConcurrencyLimitedError(access, limit);
    this.inflight.set(key, now + 1);
    try {
      return await fn();
    } finally {
      const left = (this.inflight.get(key) ?? 1) - 1;
      if (left === 0) this.inflight.delete(key);
      else this.inflight.set(key, left);
    }
  }

  /** Requests in flight for a collection (specs). */
  inFlight(collectionId: string, access: CollectionAccess): number {
    return this.inflight.get(`${access}:${collectionId}`) ?? 0;
  }
}
