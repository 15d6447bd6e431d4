import type { Space } from './types.js';

/**
 * Chroma's distance functions on float32 vectors. Sums are accumulated in float64 (JS numbers), so
 * results can differ from Chroma's and hnswlib's float32 SIMD sums in the last bits; nothing may
 * rely on exact equality with them. Both inputs must have the same length (not checked here: the
 * callers validate dimensions once per batch, and these run in the innermost loop).
 */

/** A distance between two vectors: smaller is closer. */
export type DistanceFn = (a: Float32Array, b: Float32Array) => number;

/**
 * Squared Euclidean distance, Chroma's `l2` space: Σ (aᵢ − bᵢ)².
 * @param a - a vector
 * @param b - a vector of the same length
 */
export function l2Squared(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return sum;
}

/**
 * Dot product Σ aᵢ·bᵢ.
 * @param a - a vector
 * @param b - a vector of the same length
 */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * Chroma's `cosine` space: 1 − cos(a, b), in [0, 2]. A zero vector has no direction; like Chroma
 * (which normalizes with `v / (‖v‖ + 1e-32)`, turning it into the zero vector) its similarity with
 * anything is 0, so the distance is exactly 1.
 * @param a - a vector
 * @param b - a vector of the same length
 */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 1;
  const cos = ab / (Math.sqrt(aa) * Math.sqrt(bb));
  // Rounding can push |cos| a hair past 1; keep the distance within [0, 2].
  return 1 - Math.min(1, Math.max(-1, cos));
}

/**
 * Chroma's `ip` space: 1 − a·b. Not a metric (it can be negative); meaningful for normalized
 * vectors, where it equals the cosine distance.
 * @param a - a vector
 * @param b - a vector of the same length
 */
export function innerProductDistance(a: Float32Array, b: Float32Array): number {
  return 1 - dot(a, b);
}

/**
 * The distance function of a collection's space.
 * @param space - `l2`, `cosine` or `ip`
 */
export function distanceFn(space: Space): DistanceFn {
  switch (space) {
    case 'l2':
      return l2Squared;
    case 'cosine':
      return cosineDistance;
    case 'ip':
      return innerProductDistance;
  }
}

/**
 * The unit vector in the direction of `v` (a new array); the zero vector stays zero (as in
 * Chroma, whose normalization adds 1e-32 to the norm).
 * @param v - a vector
 */
export function normalize(v: Float32Array): Float32Array {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sq === 0) return out;
  const inv = 1 / Math.sqrt(sq);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}
