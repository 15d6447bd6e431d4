import { distanceFn, type LiveRecord, type Space } from '@huedb/core';
import { TopK } from '@huedb/index';

/** A record with its rank in first-insertion order (ties between equal distances go to the lower rank). */
export interface Ranked {
  record: LiveRecord;
  rank: number;
}

/** A candidate and its distance to one query vector. */
export interface Neighbour extends Ranked {
  distance: number;
}

/** Orders neighbours as Chroma returns them: ascending distance, then insertion order. */
export function compareNeighbours(a: Neighbour, b: Neighbour): number {
  return a.distance - b.distance || a.rank - b.rank;
}

/**
 * Exact k nearest neighbours by brute force, ascending distance, ties in insertion order.
 * O(n log k) with the index's bounded max-heap.
 */
export function bruteForceKnn(
  query: Float32Array,
  candidates: Iterable<Ranked>,
  k: number,
  space: Space,
): Neighbour[] {
  if (k <= 0) return [];
  const distance = distanceFn(space);
  // The index's heap, ranking by (distance, rank): the same order as compareNeighbours.
  const best = new TopK<LiveRecord>(k);
  for (const { record, rank } of candidates) {
    best.push(rank, distance(query, record.embedding), record);
  }
  return best
    .sortedWithValues()
    .map(({ position, distance: d, value }) => ({ record: value, rank: position, distance: d }));
}
