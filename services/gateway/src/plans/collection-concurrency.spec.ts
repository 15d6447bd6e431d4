import { describe, expect, it } from 'vitest';
import { CollectionConcurrency, ConcurrencyLimitedError } from './collection-concurrency.js';

/** A request that stays in flight until released. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { fn: () => done, release };
}

describe('CollectionConcurrency', () => {
  it('admits the share, refuses the next with a 429, and frees a slot when one ends', async () => {
    const slots = new CollectionConcurrency();
    const a = held();
    const b = held();
    const first = slots.run('c1', 'read', 2, a.fn);
    const second = slots.run('c1', 'read', 2, b.fn);
    const refused = await slots
      .run('c1', 'read', 2, () => Promise.resolve())
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConcurrencyLimitedError);
    expect((refused as ConcurrencyLimitedError).httpStatus).toBe(429);
    expect((refused as ConcurrencyLimitedError).retryAfterSeconds).toBe(1);
    expect((refused as Error).message).toBe(
      'Too many concurrent reads of this collection: the plan allows 2 at a time; retry after 1 s',
    );
    // Writes and other collections have slots of their own.
    await slots.run('c1', 'write', 2, () => Promise.resolve());
    await slots.run('c2', 'read', 2, () => Promise.resolve());
    a.release();
    await first;
    await slots.run('c1', 'read', 2, () => Promise.resolve());
    b.release();
    await second;
    expect(slots.inFlight('c1', 'read')).toBe(0);
  });

  it('frees the slot of a request that failed', async () => {
    const slots = new CollectionConcurrency();
    await expect(
      slots.run('c', 'write', 1, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(slots.inFlight('c', 'write')).toBe(0);
    await slots.run('c', 'write', 1, () => Promise.resolve());
  });

  it('splits a limit between the live gateways, never below one each', () => {
    const slots = new CollectionConcurrency();
    expect(slots.share(10)).toBe(10);
    slots.setGateways(3);
    expect(slots.share(10)).toBe(3);
    slots.setGateways(20);
    expect(slots.share(10)).toBe(1);
    slots.setGateways(0);
    expect(slots.share(10)).toBe(10);
    expect(slots.share(Infinity)).toBe(Infinity);
  });
});
