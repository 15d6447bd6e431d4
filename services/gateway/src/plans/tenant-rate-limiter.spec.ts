import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { PRO_LIMITS, type Limits } from '@huedb/core';
import { Code, RpcError } from '@huedb/grpc';
import { ConsumeRateLimitResponseSchema, ResetRateLimitResponseSchema } from '@huedb/proto/control';
import type { RateLimitClient } from '../accounts/login-limiter.js';
import { RequestRateLimitedError, TenantRateLimiter } from './tenant-rate-limiter.js';

/**
 * One shared bucket per key that never refills (the catalog's suite tests the GCRA itself): what
 * every gateway's limiter takes its leases from. `down` fails every call.
 */
function sharedBuckets() {
  const used = new Map<string, number>();
  const state = { down: false, calls: 0 };
  const client: RateLimitClient = {
    consumeRateLimit: ({ key = '', points = 0, limit = 1 }) => {
      state.calls++;
      if (state.down) return Promise.reject(new RpcError(Code.UNAVAILABLE, 'down'));
      const now = used.get(key) ?? 0;
      const allowed = now + points <= limit;
      if (allowed) used.set(key, now + points);
      return Promise.resolve(
        create(ConsumeRateLimitResponseSchema, {
          allowed,
          remaining: limit - (used.get(key) ?? 0),
          retryAfterMs: allowed ? 0n : 1500n,
          resetAfterMs: 2000n,
        }),
      );
    },
    resetRateLimit: () => Promise.resolve(create(ResetRateLimitResponseSchema, { reset: false })),
  };
  return { client, state };
}

const plan = (requestsPerSecond: number, requestBurst: number): Limits => ({
  ...PRO_LIMITS,
  requestsPerSecond,
  requestBurst,
});

async function admitted(limiter: TenantRateLimiter, limits: Limits, n: number): Promise<number> {
  const outcomes = await Promise.allSettled(
    Array.from({ length: n }, () => limiter.take('acme', limits)),
  );
  for (const o of outcomes) {
    if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RequestRateLimitedError);
  }
  return outcomes.filter((o) => o.status === 'fulfilled').length;
}

describe('TenantRateLimiter', () => {
  it('admits the burst in total across gateways sharing the bucket, not once per gateway', async () => {
    const { client } = sharedBuckets();
    const limits = plan(100, 40);
    const gateways = [new TenantRateLimiter(client), new TenantRateLimiter(client)];
    const counts = await Promise.all(gateways.map((g) => admitted(g, limits, 60)));
    // Each lease is paid for in the shared bucket: never more than its 40 points in total.
    expect(counts[0]! + counts[1]!).toBeLessThanOrEqual(40);
    expect(counts[0]! + counts[1]!).toBeGreaterThanOrEqual(40 - 2 * 4);
  });

  it('asks the control plane once per lease, not once per request', async () => {
    const { client, state } = sharedBuckets();
    const limiter = new TenantRateLimiter(client);
    // 1000/s: leases of 50 points (50 ms of the rate), at most a tenth of the burst.
    expect(await admitted(limiter, plan(1000, 2000), 500)).toBe(500);
    expect(state.calls).toBe(10);
  });

  it('refuses with Retry-After and the state, then without asking until a point is due', async () => {
    const { client, state } = sharedBuckets();
    const limiter = new TenantRateLimiter(client);
    const limits = plan(1, 2);
    await limiter.take('acme', limits);
    await limiter.take('acme', limits);
    const refused = await limiter.take('acme', limits).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RequestRateLimitedError);
    const err = refused as RequestRateLimitedError;
    expect(err.httpStatus).toBe(429);
    expect(err.chromaName).toBe('RateLimitError');
    expect(err.retryAfterSeconds).toBe(2);
    expect(err.state).toMatchObject({ burst: 2, windowSeconds: 2, remaining: 0 });
    const calls = state.calls;
    await expect(limiter.take('acme', limits)).rejects.toBeInstanceOf(RequestRateLimitedError);
    expect(state.calls).toBe(calls);
  });

  it('reports what is left in the headers’ terms', async () => {
    const { client } = sharedBuckets();
    const limiter = new TenantRateLimiter(client);
    const first = await limiter.take('acme', plan(10, 100));
    // A lease of 1 (10/s × 50 ms, rounded up) taken and spent: 99 left in the shared bucket.
    expect(first).toEqual({ burst: 100, windowSeconds: 10, remaining: 99, resetSeconds: 2 });
  });

  it('lets requests through when the control plane cannot be asked', async () => {
    const { client, state } = sharedBuckets();
    state.down = true;
    const limiter = new TenantRateLimiter(client);
    expect(await admitted(limiter, plan(1, 1), 5)).toBe(5);
  });

  it('never asks for a plan without a rate', async () => {
    const { client, state } = sharedBuckets();
    const limiter = new TenantRateLimiter(client);
    expect(await limiter.take('acme', plan(Infinity, Infinity))).toBeUndefined();
    expect(state.calls).toBe(0);
  });
});
