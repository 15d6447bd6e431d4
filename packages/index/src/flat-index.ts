import { distanceFn, normalize, type DistanceFn, type Space } from '@huedb/core';
import { FlatKernel } from './kernel/flat-kernel.js';
import { TopK } from './top-k.js';

/** One vector of a {@link FlatIndex}, with the rank that breaks distance ties and its value. */
export interface FlatEntry<T> {
  readonly label: number;
  readonly vector: Float32Array;
  /** Ties at equal distance go to the lower rank (the query node: first-insertion order). */
  readonly rank: number;
  readonly value: T;
}

/** A nearest neighbour of a {@link FlatIndex} search. */
export interface FlatNeighbor<T> {
  value: T;
  rank: number;
  /** @huedb/core's distance on the raw vectors (l2: squared L2; cosine: 1 − cos; ip: 1 − dot). */
  distance: number;
}

/** Options of a {@link FlatIndex} (the defaults are what the query node uses). */
export interface FlatIndexOptions {
  /**
   * Up to this many entries a search is a JS scan over the entries; above it the SIMD kernel
   * picks the candidates.
   */
  exactMax?: number;
  /** Extra candidates taken from the kernel beyond k, so that near-ties at the k-th place are seen. */
  margin?: number;
}

/** Below this many entries a JS scan costs about what the kernel's call and re-ranking do. */
export const FLAT_EXACT_MAX = 256;
const FLAT_MARGIN = 8;
/** float32's unit roundoff. */
const U32 = 2 ** -24;

/**
 * Exact k-nearest-neighbour search over a mutable set of vectors — a collection's uncompacted
 * tail on a query node. Results are exactly a brute-force scan's: ascending @huedb/core distance
 * (float64 sums over the raw vectors, the same distances segments return), ties by rank.
 *
 * Small sets are scanned in JS. Larger ones are also held columnar, in one float32 block in
 * WebAssembly memory (cosine: normalized), where a SIMD kernel (kernel/flat-kernel.wat) computes
 * every row's float32 distance to the query in one call. The k + margin nearest by those are
 * then re-ranked by their exact distances. That is exact unless float32 rounding could have left
 * a closer vector out: every vector not taken is at least as far (in float32) as the farthest
 * one taken, so when that distance, less a bound on float32's error (see
 * {@link float32ErrorBound}), is still beyond the exact k-th distance, nothing was missed;
 * otherwise (ties, duplicates) the search falls back to the JS scan.
 *
 * Adding is a copy into the block (no per-record objects are made for a search); removing moves
 * the last row into the hole. {@link FlatIndex.entries} is a snapshot for callers that yield.
 */
export class FlatIndex<T> {
  private readonly distance: DistanceFn;
  private readonly exactMax: number;
  private readonly margin: number;
  /** Dense, unordered (removal moves the last entry in); slot i is the kernel's row i. */
  private readonly dense: FlatEntry<T>[] = [];
  private readonly slotOf = new Map<number, number>();
  private kernel: FlatKernel | undefined;
  /** Set once the kernel's memory could not grow: searches stay JS scans from then on. */
  private kernelRefused = false;
  /** The dimension of every vector when they all agree; NaN once two differ (JS scans only). */
  private dimension: number | undefined;
  /** The largest norm ever added (ip's error bound); never lowered, so it stays an upper bound. */
  private maxNorm = 0;

  constructor(
    readonly space: Space,
    options: FlatIndexOptions = {},
  ) {
    this.distance = distanceFn(space);
    this.exactMax = options.exactMax ?? FLAT_EXACT_MAX;
    this.margin = options.margin ?? FLAT_MARGIN;
  }

  /** How many vectors are held. */
  get size(): number {
    return this.dense.length;
  }

  /** Approximate bytes held beyond the vectors' own arrays (the kernel's block, the lookups). */
  get bytes(): number {
    return this.dense.length * 64 + (this.kernel?.bytes ?? 0);
  }

  /** Adds an entry, or replaces the one with its label. */
  set(entry: FlatEntry<T>): void {
    let slot = this.slotOf.get(entry.label);
    if (slot === undefined) {
      slot = this.dense.length;
      this.slotOf.set(entry.label, slot);
      this.dense.push(entry);
    } else {
      this.dense[slot] = entry;
    }
    const length = entry.vector.length;
    if (this.dimension === undefined) this.dimension = length;
    else if (this.dimension !== length) this.dropKernel(Number.NaN);
    if (this.space === 'ip') this.maxNorm = Math.max(this.maxNorm, norm(entry.vector));
    try {
      if (this.kernel) this.kernel.setRow(slot, this.row(entry.vector));
      else if (
        this.dense.length > this.exactMax &&
        Number.isFinite(this.dimension) &&
        !this.kernelRefused
      ) {
        const kernel = new FlatKernel(this.dimension);
        kernel.reserve(this.dense.length);
        this.dense.forEach((e, i) => kernel.setRow(i, this.row(e.vector)));
        this.kernel = kernel;
      }
    } catch (err) {
      // WebAssembly memory could not grow (32-bit addressing: 4 GiB, or the host's limit): the
      // set stays searchable by the JS scan, only slower.
      if (!(err instanceof RangeError)) throw err;
      this.kernel = undefined;
      this.kernelRefused = true;
    }
  }

  /** Removes the entry with this label (nothing when there is none). */
  delete(label: number): void {
    const slot = this.slotOf.get(label);
    if (slot === undefined) return;
    this.slotOf.delete(label);
    const last = this.dense.pop()!;
    if (slot < this.dense.length) {
      this.dense[slot] = last;
      this.slotOf.set(last.label, slot);
      this.kernel?.moveRow(this.dense.length, slot);
    }
    if (this.dense.length === 0) {
      // An empty set forgets its dimension: what comes next may have another.
      this.dropKernel(undefined);
      this.maxNorm = 0;
    }
  }

  /** The entries, unordered: a copy, so it stays as it is while the index changes. */
  entries(): FlatEntry<T>[] {
    return this.dense.slice();
  }

  /**
   * The k nearest entries to `query`, nearest first, ties by rank.
   * @param query - a vector of the entries' dimension
   * @param k - how many to return (at most)
   */
  nearest(query: Float32Array, k: number): FlatNeighbor<T>[] {
    const n = this.dense.length;
    if (k <= 0 || n === 0) return [];
    const kernel = this.kernel;
    const wanted = k + this.margin;
    if (!kernel || query.length !== this.dimension || wanted >= n) {
      return scan(this.dense, query, k, this.distance);
    }
    const approximate = kernel.distances(this.row(query), n, this.space === 'l2' ? 'l2' : 'dot');
    // The `wanted` smallest float32 distances (ties by slot: any order is fine here).
    const top = new TopK(wanted);
    const sign = this.space === 'l2' ? 1 : -1;
    for (let slot = 0; slot < n; slot++) top.push(slot, sign * approximate[slot]!);
    const taken = top.sorted();
    const candidates: FlatNeighbor<T>[] = [];
    for (const { position } of taken) {
      const entry = this.dense[position]!;
      candidates.push({
        value: entry.value,
        rank: entry.rank,
        distance: this.distance(query, entry.vector),
      });
    }
    candidates.sort(compareFlat);
    const farthest = taken[taken.length - 1]!.distance + (this.space === 'l2' ? 0 : 1);
    const kth = candidates[k - 1]!.distance;
    const bound = float32ErrorBound(this.space, query.length, farthest, this.scale(query));
    if (farthest - bound > kth) return candidates.slice(0, k);
    return scan(this.dense, query, k, this.distance);
  }

  /** What the kernel holds for a vector: cosine compares directions, so unit vectors. */
  private row(vector: Float32Array): Float32Array {
    return this.space === 'cosine' ? normalize(vector) : vector;
  }

  private scale(query: Float32Array): number {
    return this.space === 'ip' ? norm(query) * this.maxNorm : 1;
  }

  private dropKernel(dimension: number | undefined): void {
    this.kernel = undefined;
    this.dimension = dimension;
  }
}

/**
 * How far the kernel's float32 distance may be from the exact one, as an upper bound (a few
 * times the textbook one, so it holds for any order of summation): a sum of d terms in float32
 * errs by at most d·u·Σ|term|. l2: every term is positive, so Σ|term| is the distance itself.
 * ip: Σ|aᵢbᵢ| ≤ ‖a‖‖b‖ (`scale`). cosine: both vectors are unit vectors rounded to float32
 * (u per component), then as ip with unit norms.
 */
export function float32ErrorBound(
  space: Space,
  d: number,
  distance: number,
  scale: number,
): number {
  const terms = 4 * (d + 8) * U32;
  switch (space) {
    case 'l2':
      return terms * Math.abs(distance) + Number.MIN_VALUE;
    case 'ip':
      return terms * (scale + 1 + Math.abs(distance));
    case 'cosine':
      return 2 * terms * (2 + Math.abs(distance));
  }
}

/**
 * The k nearest of `entries` to `query` by a JS scan (exact), nearest first, ties by rank: what a
 * filtered search runs over the entries its filter admitted.
 */
export function scanNearest<T>(
  entries: readonly FlatEntry<T>[],
  query: Float32Array,
  k: number,
  space: Space,
): FlatNeighbor<T>[] {
  return scan(entries, query, k, distanceFn(space));
}

function scan<T>(
  entries: readonly FlatEntry<T>[],
  query: Float32Array,
  k: number,
  distance: DistanceFn,
): FlatNeighbor<T>[] {
  const best = new TopK<T>(k);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    best.push(entry.rank, distance(query, entry.vector), entry.value);
  }
  return best
    .sortedWithValues()
    .map(({ position, distance: d, value }) => ({ value, rank: position, distance: d }));
}

function compareFlat<T>(a: FlatNeighbor<T>, b: FlatNeighbor<T>): number {
  return a.distance - b.distance || a.rank - b.rank;
}

function norm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return Math.sqrt(sum);
}
