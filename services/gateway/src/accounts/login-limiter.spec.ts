import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { UnavailableError } from '@huedb/core';
import { Code, RpcError } from '@huedb/grpc';
import { ConsumeRateLimitResponseSchema, ResetRateLimitResponseSchema } from '@huedb/proto/control';
import { LoginLimitedError, LoginLimiter, type RateLimitClient } from './login-limiter.js';
import { tenantNameFor } from './accounts.service.js';
import { createHash } from 'node:crypto';

/** The bucket an address's account takes from: a digest, whatever characters the address has. */
const account = (email: string) =>
  `login:account:${createHash('sha256').update(email).digest('base64url')}`;

/**
 * A counting stand-in for the control plane's buckets (no refill: the catalog's suite tests the
 * GCRA itself); `down` makes every call fail as an unreachable control plane would.
 */
function fakeBuckets() {
  const used = new Map<string, number>();
  const calls: string[] = [];
  const state = { down: false };
  const client: RateLimitClient = {
    consumeRateLimit: ({ key = '', points = 0, limit = 1 }) => {
      calls.push(`${key} ${points}`);
      if (state.down) return Promise.reject(new RpcError(Code.UNAVAILABLE, 'down'));
      const now = used.get(key) ?? 0;
      const allowed = points <= 0 || now + points <= limit;
      const next = allowed ? Math.max(0, now + points) : now;
      used.set(key, next);
      return Promise.resolve(
        create(ConsumeRateLimitResponseSchema, {
          allowed,
          remaining: limit - next,
          retryAfterMs: allowed ? 0n : 90_000n,
        }),
      );
    },
    resetRateLimit: ({ key = '' }) => {
      calls.push(`${key} reset`);
      return Promise.resolve(create(ResetRateLimitResponseSchema, { reset: used.delete(key) }));
    },
  };
  return { client, used, calls, state };
}

describe('LoginLimiter', () => {
  it('refuses an account after its failures, whatever the address, until a success clears it', async () => {
    const { client, used } = fakeBuckets();
    const limiter = new LoginLimiter(client, 3, 100);
    for (let i = 0; i < 3; i++) await limiter.attempt('A@x.io', `10.0.0.${i}`);
    const refused = await limiter.attempt('a@X.io', '10.9.9.9').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LoginLimitedError);
    expect((refused as LoginLimitedError).retryAfterSeconds).toBe(90);
    expect((refused as LoginLimitedError).httpStatus).toBe(429);
    // The refused attempt took nothing from the address.
    expect(used.get('login:address:10.9.9.9')).toBe(0);
    // Another account is not affected; its success refills it and gives the address its point.
    await (await limiter.attempt('b@x.io', '10.9.9.9')).succeeded();
    expect(used.get('login:address:10.9.9.9')).toBe(0);
    expect(used.has(account('b@x.io'))).toBe(false);
  });

  it('refuses an address after its failures, whatever the account', async () => {
    const { client } = fakeBuckets();
    const limiter = new LoginLimiter(client, 100, 2);
    await limiter.attempt('a@x.io', '10.0.0.1');
    await limiter.attempt('b@x.io', '10.0.0.1');
    await expect(limiter.attempt('c@x.io', '10.0.0.1')).rejects.toBeInstanceOf(LoginLimitedError);
    await expect(limiter.attempt('c@x.io', '10.0.0.2')).resolves.toBeDefined();
  });

  it('shares the count between limiters on one store (two gateways)', async () => {
    const { client } = fakeBuckets();
    const one = new LoginLimiter(client, 4, 100);
    const two = new LoginLimiter(client, 4, 100);
    await one.attempt('a@x.io', '10.0.0.1');
    await two.attempt('a@x.io', '10.0.0.2');
    await one.attempt('a@x.io', '10.0.0.3');
    await two.attempt('a@x.io', '10.0.0.4');
    await expect(one.attempt('a@x.io', '10.0.0.5')).rejects.toBeInstanceOf(LoginLimitedError);
    await expect(two.attempt('a@x.io', '10.0.0.6')).rejects.toBeInstanceOf(LoginLimitedError);
  });

  it('refuses known-blocked keys locally until the retry time, then asks again', async () => {
    const { client, calls } = fakeBuckets();
    let now = 1_000_000;
    const limiter = new LoginLimiter(client, 1, 100, () => now);
    await limiter.attempt('a@x.io', '10.0.0.1');
    await expect(limiter.attempt('a@x.io', '10.0.0.1')).rejects.toBeInstanceOf(LoginLimitedError);
    const asked = calls.length;
    const local = await limiter.attempt('a@x.io', '10.0.0.2').catch((err: unknown) => err);
    expect(local).toBeInstanceOf(LoginLimitedError);
    expect((local as LoginLimitedError).retryAfterSeconds).toBe(90);
    expect(calls).toHaveLength(asked);
    now += 90_001;
    await expect(limiter.attempt('a@x.io', '10.0.0.2')).rejects.toBeInstanceOf(LoginLimitedError);
    expect(calls.length).toBeGreaterThan(asked);
  });

  it('fails closed (503) when the control plane cannot be asked, and gives back what it took', async () => {
    const { client, state, used } = fakeBuckets();
    const limiter = new LoginLimiter(client, 5, 5);
    state.down = true;
    const err = await limiter.attempt('a@x.io', '10.0.0.1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).httpStatus).toBe(503);
    state.down = false;
    const attempt = await limiter.attempt('a@x.io', '10.0.0.1');
    await attempt.abandoned();
    expect(used.get(account('a@x.io'))).toBe(0);
    expect(used.get('login:address:10.0.0.1')).toBe(0);
  });

  it('names every account by a storable digest, NUL and other control characters included', async () => {
    const { client, calls } = fakeBuckets();
    const limiter = new LoginLimiter(client, 5, 5);
    await limiter.attempt(' Odd\u0000\u009b@X.io ', '10.0.0.1');
    const key = calls.find((call) => call.startsWith('login:account:'))!.split(' ')[0]!;
    expect(key).toBe(account('odd\u0000\u009b@x.io'));
    expect(key).toMatch(/^login:account:[A-Za-z0-9_-]{43}$/);
  });
});

describe('tenantNameFor', () => {
  it('keeps a safe slug of the local part, never the domain, with a random suffix', () => {
    const a = tenantNameFor('Jane.Doe+test@example.com');
    expect(a).toMatch(/^jane-doe-test-[0-9a-f]{8}$/);
    expect(a).not.toContain('example');
    expect(tenantNameFor('Jane.Doe+test@example.com')).not.toBe(a);
  });

  it('falls back to "user" and bounds the length', () => {
    expect(tenantNameFor('+++@x.io')).toMatch(/^user-[0-9a-f]{8}$/);
    expect(tenantNameFor(`${'a'.repeat(200)}@x.io`).length).toBe(40 + 1 + 8);
  });
});
