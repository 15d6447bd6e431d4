import { distanceFn, type LiveRecord, type Space } from '@huedb/core';

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
 * O(n log k) with a bounded max-heap.
 */
export function bruteForceKnn(
  query: Float32Array,
  candidates: Iterable<Ranked>,
  k: number,
  space: Space,
): Neighbour[] {
  if (k <= 0) return [];
  const distance = distanceFn(space);
  // Max-heap: the root is the worst of the best k so far.
  const heap: Neighbour[] = [];
  const worse = (a: Neighbour, b: Neighbour) => compareNeighbours(a, b) > 0;
  for (const { record, rank } of candidates) {
    const item = { record, rank, distance: distance(query, record.embedding) };
    if (heap.length < k) {
      heap.push(item);
      siftUp(heap, heap.length - 1, worse);
    } else if (worse(heap[0]!, item)) {
      heap[0] = item;
      siftDown(heap, 0, worse);
    }
  }
  return heap.sort(compareNeighbours);
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
