import { describe, expect, it } from 'vitest';
import { TopK, compareNeighbors } from './top-k.js';
import { rng } from '../test/fixtures.js';

describe('TopK', () => {
  it('keeps the k smallest, ties by position, like a full sort', () => {
    const random = rng(9);
    for (const k of [0, 1, 5, 64, 500]) {
      const all = Array.from({ length: 300 }, (_, position) => ({
        position,
        distance: Math.floor(random() * 40), // many ties
      }));
      const top = new TopK(k);
      for (const n of [...all].reverse()) top.push(n.position, n.distance);
      expect(top.sorted()).toEqual([...all].sort(compareNeighbors).slice(0, k));
      expect(top.size).toBe(Math.min(k, all.length));
    }
  });
});
