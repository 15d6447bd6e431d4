import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

const HOUR_MS = 3_600_000n;

/** Shared rate-limit buckets over real gRPC: GCRA semantics, atomicity, refunds, the sweep. */
describe.each(DRIVER_KINDS)('control plane rate limits on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_rate_limits');
  const { control, fresh } = t;

  it('takes points until the bucket is empty, then refuses without taking any', async () => {
    const key = fresh('k');
    const take = (points: number) =>
      control.consumeRateLimit({ key, points, limit: 5, windowMs: HOUR_MS });
    const first = await take(2);
    expect(first).toMatchObject({ allowed: true, remaining: 3, retryAfterMs: 0n });
    // 2 of 5 points used: full again after 2/5 of the hour.
    expect(first.resetAfterMs).toBeGreaterThan(HOUR_MS / 5n);
    expect(first.resetAfterMs).toBeLessThanOrEqual((2n * HOUR_MS) / 5n);
    expect(await take(3)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await take(1);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    // One point comes back one interval (12 minutes) after the first was taken.
    expect(refused.retryAfterMs).toBeGreaterThan(HOUR_MS / 5n - 60_000n);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(HOUR_MS / 5n);
    // Peeking neither takes nor writes.
    const peek = await control.consumeRateLimit({ key, points: 0, limit: 5, windowMs: HOUR_MS });
    expect(peek).toMatchObject({ allowed: false, remaining: 0 });
    expect(peek.retryAfterMs).toBeGreaterThan(0n);
    // Other keys are separate buckets.
    expect(
      await control.consumeRateLimit({ key: fresh('k'), points: 5, limit: 5, windowMs: HOUR_MS }),
    ).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses a request for more than is left, and a later smaller one still fits', async () => {
    const key = fresh('k');
    const take = (points: number) =>
      control.consumeRateLimit({ key, points, limit: 10, windowMs: HOUR_MS });
    await take(7);
    const refused = await take(4);
    expect(refused).toMatchObject({ allowed: false, remaining: 3 });
    expect(await take(3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refills at limit / window: a point is back after one interval', async () => {
    const key = fresh('k');
    // 4 points per 4 s: one every second (long enough that five calls fit in one interval).
    const take = () => control.consumeRateLimit({ key, points: 1, limit: 4, windowMs: 4000n });
    for (let i = 0; i < 4; i++) expect((await take()).allowed).toBe(true);
    const refused = await take();
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1000n);
    await new Promise((resolve) => setTimeout(resolve, Number(refused.retryAfterMs) + 20));
    expect(await take()).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('gives points back (never more than the limit) and resets a bucket', async () => {
    const key = fresh('k');
    const take = (points: number) =>
      control.consumeRateLimit({ key, points, limit: 3, windowMs: HOUR_MS });
    await take(3);
    expect(await take(-1)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await take(-3)).toMatchObject({ allowed: true, remaining: 3, resetAfterMs: 0n });
    await take(2);
    expect((await control.resetRateLimit({ key })).reset).toBe(true);
    expect(await take(0)).toMatchObject({ allowed: true, remaining: 3, resetAfterMs: 0n });
    expect((await control.resetRateLimit({ key: fresh('never') })).reset).toBe(false);
  });

  it('never lets N parallel consumes take more than the limit', async () => {
    const key = fresh('k');
    const limit = 7;
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        control.consumeRateLimit({ key, points: 1, limit, windowMs: HOUR_MS }),
      ),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(limit);
    // Taking 3 at a time: only two requests fit in 7.
    const other = fresh('k');
    const triples = await Promise.all(
      Array.from({ length: 20 }, () =>
        control.consumeRateLimit({ key: other, points: 3, limit, windowMs: HOUR_MS }),
      ),
    );
    expect(triples.filter((a) => a.allowed)).toHaveLength(2);
  });

  it('sweeps full buckets only', async () => {
    const full = fresh('k');
    const used = fresh('k');
    await control.consumeRateLimit({ key: full, points: 1, limit: 1000, windowMs: 1000n });
    await control.consumeRateLimit({ key: used, points: 1, limit: 1, windowMs: HOUR_MS });
    await new Promise((resolve) => setTimeout(resolve, 20)); // `full`'s 1 ms interval is over
    const { RateLimitRepository } = await import('../src/control/rate-limit.repository.js');
    expect(await new RateLimitRepository(t.catalog.driver).sweep()).toBeGreaterThanOrEqual(1);
    const keys = await t.catalog.driver.query<{ key: string }>(
      `SELECT key FROM rate_limits WHERE key IN ($1, $2)`,
      [full, used],
    );
    expect(keys.map((k) => k.key)).toEqual([used]);
  });

  it('rejects malformed requests', async () => {
    const ok = { key: 'k', points: 1, limit: 5, windowMs: 1000n };
    for (const bad of [
      { ...ok, key: '' },
      { ...ok, key: 'x'.repeat(513) },
      { ...ok, limit: 0 },
      { ...ok, points: 6 },
      { ...ok, points: -6 },
      { ...ok, windowMs: 0n },
      { ...ok, windowMs: 31n * 24n * HOUR_MS },
      { ...ok, limit: 2_000_000, windowMs: 1n },
    ]) {
      await expectCode(control.consumeRateLimit(bad), Code.INVALID_ARGUMENT);
    }
    await expectCode(control.resetRateLimit({ key: '' }), Code.INVALID_ARGUMENT);
  });
});
