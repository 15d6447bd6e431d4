import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rendezvousPick, rendezvousScore } from './rendezvous.js';

const membersArb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
  minLength: 2,
  maxLength: 8,
});
const keysArb = fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 50 });

describe('rendezvous hashing', () => {
  it('is a pure function of key and member (stable across processes and versions)', () => {
    // Pinned values: changing the hash would move every collection in a running cluster.
    expect(rendezvousScore('collection-1', 'query-0')).toBe(
      rendezvousScore('collection-1', 'query-0'),
    );
    expect(rendezvousScore('c', 'm').toString(16)).toBe('2313df7ac51950e2');
    expect(
      rendezvousPick('4f7c1c2e-3a6f-4b1f-9a43-0c6c7d1b2e11', ['q-0', 'q-1', 'q-2'], 3),
    ).toEqual(['q-2', 'q-1', 'q-0']);
  });

  it('separates member and key (no concatenation ambiguity)', () => {
    expect(rendezvousScore('bc', 'a')).not.toBe(rendezvousScore('c', 'ab'));
  });

  it('does not depend on the order or duplication of the member list', () => {
    fc.assert(
      fc.property(fc.uuid(), membersArb, fc.integer({ min: 1, max: 4 }), (key, members, k) => {
        const picked = rendezvousPick(key, members, k);
        expect(rendezvousPick(key, [...members].reverse(), k)).toEqual(picked);
        expect(rendezvousPick(key, [...members, ...members], k)).toEqual(picked);
        expect(picked).toHaveLength(Math.min(k, members.length));
        expect(new Set(picked).size).toBe(picked.length);
        // The best k-1 are a prefix of the best k.
        expect(rendezvousPick(key, members, k + 1).slice(0, k)).toEqual(picked);
      }),
    );
  });

  it('moves only the keys of a member that leaves, each to its next choice', () => {
    fc.assert(
      fc.property(keysArb, membersArb, fc.nat(), (keys, members, n) => {
        const leaving = members[n % members.length]!;
        const rest = members.filter((m) => m !== leaving);
        for (const key of keys) {
          const [before, second] = rendezvousPick(key, members, 2);
          const [after] = rendezvousPick(key, rest);
          expect(after).toBe(before === leaving ? second : before);
        }
      }),
    );
  });

  it('gives a joining member only keys that it now wins', () => {
    fc.assert(
      fc.property(keysArb, membersArb, (keys, members) => {
        const [joining, ...old] = members;
        for (const key of keys) {
          const [before] = rendezvousPick(key, old);
          const [after] = rendezvousPick(key, members);
          expect(after === before || after === joining).toBe(true);
        }
      }),
    );
  });

  it('spreads keys evenly', () => {
    const members = ['q-0', 'q-1', 'q-2', 'q-3', 'q-4'];
    const counts = new Map(members.map((m) => [m, 0]));
    for (let i = 0; i < 10_000; i++) {
      const [owner] = rendezvousPick(`collection-${i}`, members);
      counts.set(owner!, counts.get(owner!)! + 1);
    }
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(1700);
      expect(count).toBeLessThan(2300);
    }
  });

  it('handles no members and rejects a bad k', () => {
    expect(rendezvousPick('k', [])).toEqual([]);
    expect(() => rendezvousPick('k', ['a'], 0)).toThrow(RangeError);
  });
});
