import { describe, expect, it } from 'vitest';
import type { Space } from '@huedb/core';
import { FlatIndex, scanNearest, type FlatEntry } from './flat-index.js';

/** A seeded generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPACES: Space[] = ['l2', 'ip', 'cosine'];

/**
 * Builds an index through random adds, replacements and deletes — with duplicate vectors, zero
 * vectors and exact ties on purpose — and checks every search against a JS scan of what the index
 * should hold: the same values, ranks and distances in the same order.
 */
function checkAgainstScan(space: Space, seed: number, exactMax: number, ops: number, dim: number) {
  const next = random(seed);
  const index = new FlatIndex<string>(space, { exactMax });
  const model = new Map<number, FlatEntry<string>>();
  const pool: Float32Array[] = [];
  const vector = () => {
    const roll = next();
    // A fifth reuse an earlier vector (ties), a few are zero (cosine's special case).
    if (roll < 0.2 && pool.length > 0) return pool[Math.floor(next() * pool.length)]!;
    if (roll < 0.22) return new Float32Array(dim);
    const v = Float32Array.from({ length: dim }, () => Math.round((next() * 2 - 1) * 8) / 4);
    pool.push(v);
    return v;
  };
  let checks = 0;
  for (let op = 0; op < ops; op++) {
    const label = Math.floor(next() * ops * 0.7);
    if (next() < 0.15) {
      index.delete(label);
      model.delete(label);
    } else {
      const entry = { label, rank: label, vector: vector(), value: `v${label}` };
      index.set(entry);
      model.set(label, entry);
    }
    if (op % 37 === 0 || op === ops - 1) {
      const query =
        next() < 0.3 && pool.length ? pool[Math.floor(next() * pool.length)]! : vector();
      for (const k of [1, 3, 10]) {
        const expected = scanNearest([...model.values()], query, k, space);
        expect(index.nearest(query, k)).toEqual(expected);
        checks++;
      }
    }
  }
  expect(index.size).toBe(model.size);
  return checks;
}

describe('FlatIndex: exact k-NN over a changing set', () => {
  for (const space of SPACES) {
    it(`${space}: the kernel's candidates re-ranked exactly equal a JS scan, ties by rank`, () => {
      // exactMax 8: the kernel picks candidates from the 9th entry on.
      for (const seed of [1, 2, 3])
        expect(checkAgainstScan(space, seed, 8, 600, 6)).toBeGreaterThan(0);
    });
  }

  it("more ties at the k-th place than the kernel's candidates hold: still the lowest ranks, in order", () => {
    for (const space of SPACES) {
      const index = new FlatIndex<number>(space, { exactMax: 4, margin: 2 });
      const same = new Float32Array([1, 2, 3]);
      // Ranks in descending order of insertion, so hnswlib's own order is no help.
      for (let i = 0; i < 40; i++) {
        index.set({ label: i, rank: 100 - i, vector: same, value: i });
        index.set({
          label: 1000 + i,
          rank: 1000 + i,
          vector: new Float32Array([-9, -i, -4]),
          value: -i,
        });
      }
      const ranks = index.nearest(new Float32Array([1, 2, 3]), 10).map((n) => n.rank);
      expect(ranks).toEqual([61, 62, 63, 64, 65, 66, 67, 68, 69, 70]);
    }
  });

  it("grows the kernel's block past its first capacity and keeps answering exactly", () => {
    checkAgainstScan('l2', 7, 16, 3_000, 4);
  });

  it('answers by a scan when vectors of two dimensions are held', () => {
    const index = new FlatIndex<string>('l2', { exactMax: 1 });
    index.set({ label: 1, rank: 1, vector: new Float32Array([0, 0]), value: 'a' });
    index.set({ label: 2, rank: 2, vector: new Float32Array([1, 1]), value: 'b' });
    index.set({ label: 3, rank: 3, vector: new Float32Array([1, 1, 1]), value: 'c' });
    expect(index.nearest(new Float32Array([0, 0]), 1)).toEqual([
      { value: 'a', rank: 1, distance: 0 },
    ]);
    // Empty again, it forgets the dimension and takes a new one.
    for (const label of [1, 2, 3]) index.delete(label);
    index.set({ label: 4, rank: 4, vector: new Float32Array([2, 2, 2]), value: 'd' });
    index.set({ label: 5, rank: 5, vector: new Float32Array([3, 3, 3]), value: 'e' });
    expect(index.nearest(new Float32Array([3, 3, 3]), 1)).toEqual([
      { value: 'e', rank: 5, distance: 0 },
    ]);
  });

  it('stays searchable by a scan when the kernel memory cannot grow that far', () => {
    // 2^20 floats per row: the kernel's first 1,024 rows would take over 4 GiB, beyond wasm32.
    const dim = 2 ** 20;
    const index = new FlatIndex<string>('l2', { exactMax: 1 });
    const near = new Float32Array(dim).fill(1);
    index.set({ label: 1, rank: 1, vector: new Float32Array(dim), value: 'zero' });
    index.set({ label: 2, rank: 2, vector: near, value: 'ones' });
    expect(index.nearest(near, 1)).toEqual([{ value: 'ones', rank: 2, distance: 0 }]);
  });

  it('entries() is a copy: later changes do not show in it', () => {
    const index = new FlatIndex<string>('l2', { exactMax: 1 });
    index.set({ label: 1, rank: 1, vector: new Float32Array([0]), value: 'a' });
    const before = index.entries();
    index.delete(1);
    index.set({ label: 2, rank: 2, vector: new Float32Array([1]), value: 'b' });
    expect(before.map((e) => e.value)).toEqual(['a']);
    expect(index.entries().map((e) => e.value)).toEqual(['b']);
  });
});
