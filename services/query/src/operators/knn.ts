import { distanceFn, type Space } from '@huedb/core';
import type { MaterializedRecord } from './record-set.js';

/** A candidate and its distance to one query vector. */
export interface Neighbour {
  record: MaterializedRecord;
  distance: number;
}

/**
 * Exact k nearest neighbours by brute force, ascending distance; ties keep insertion order (the
 * order of `candidates`), as Chroma's results do. O(n log k) with a bounded max-heap.
 */
export function bruteForceKnn(
  query: Float32Array,
  candidates: Iterable<MaterializedRecord>,
  k: number,
  space: Space,
): Neighbour[] {
  if (k <= 0) return [];
  const distance = distanceFn(space);
  // Max-heap on (distance, rank): the root is the worst of the best k so far.
  const heap: { n: Neighbour; rank: number }[] = [];
  const worse = (a: { n: Neighbour; rank: number }, b: { n: Neighbour; rank: number }) =>
    a.n.distance > b.n.distance || (a.n.distance === b.n.distance && a.rank > b.rank);
  let rank = 0;
  for (const record of candidates) {
    const item = { n: { record, distance: distance(query, record.embedding) }, rank: rank++ };
    if (heap.length < k) {
      heap.push(item);
      siftUp(heap, heap.length - 1, worse);
    } else if (worse(heap[0]!, item)) {
      heap[0] = item;
      siftDown(heap, 0, worse);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : -1)).map((item) => item.n);
}

function siftUp<T>(heap: T[], i: number, worse: (a: T, b: T) => boolean): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!worse(heap[i]!, heap[parent]!)) return;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function siftDown<T>(heap: T[], i: number, worse: (a: T, b: T) => boolean): void {
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let top = i;
    if (left < heap.length && worse(heap[left]!, heap[top]!)) top = left;
    if (right < heap.length && worse(heap[right]!, heap[top]!)) top = right;
    if (top === i) return;
    [heap[i], heap[top]] = [heap[top]!, heap[i]!];
    i = top;
  }
}
