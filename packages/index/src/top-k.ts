/** One search result: a position in the segment and its distance to the query. */
export interface Neighbor {
  position: number;
  distance: number;
}

/** A {@link Neighbor} with the value it was offered with. */
export interface NeighborWith<T> extends Neighbor {
  value: T;
}

/**
 * The k smallest (distance, position) pairs seen so far: a bounded max-heap, so offering n
 * candidates costs O(n log k). Ties are broken by position (smaller first), which makes every
 * search result deterministic. Each pair may carry a value (e.g. the record), so callers that rank
 * something other than segment positions use the same heap (the query node's brute-force k-NN).
 */
export class TopK<T = undefined> {
  private readonly distances: number[] = [];
  private readonly positions: number[] = [];
  private readonly values: T[] = [];

  /** @param k - how many to keep (0 keeps none) */
  constructor(private readonly k: number) {}

  /** How many pairs are held. */
  get size(): number {
    return this.positions.length;
  }

  /**
   * Offers a candidate; kept if it is among the k best so far.
   * @param position - the candidate
   * @param distance - its distance to the query
   * @param value - what to hand back with it from {@link TopK.sortedWithValues}
   */
  push(position: number, distance: number, value?: T): void {
    const d = this.distances;
    const p = this.positions;
    if (p.length < this.k) {
      d.push(distance);
      p.push(position);
      this.values.push(value as T);
      this.siftUp(p.length - 1);
    } else if (this.k > 0 && worse(d[0]!, p[0]!, distance, position)) {
      d[0] = distance;
      p[0] = position;
      this.values[0] = value as T;
      this.siftDown(0);
    }
  }

  /** The held pairs with their values, nearest first. */
  sortedWithValues(): NeighborWith<T>[] {
    const out = this.positions.map((position, i) => ({
      position,
      distance: this.distances[i]!,
      value: this.values[i]!,
    }));
    return out.sort(compareNeighbors);
  }

  /** The held pairs, nearest first. */
  sorted(): Neighbor[] {
    const out = this.positions.map((position, i) => ({ position, distance: this.distances[i]! }));
    return out.sort(compareNeighbors);
  }

  private siftUp(i: number): void {
    const d = this.distances;
    const p = this.positions;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(d[i]!, p[i]!, d[parent]!, p[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const d = this.distances;
    const p = this.positions;
    const n = p.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < n && worse(d[left]!, p[left]!, d[worst]!, p[worst]!)) worst = left;
      if (right < n && worse(d[right]!, p[right]!, d[worst]!, p[worst]!)) worst = right;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(i: number, j: number): void {
    const d = this.distances;
    const p = this.positions;
    [d[i], d[j]] = [d[j]!, d[i]!];
    [p[i], p[j]] = [p[j]!, p[i]!];
    const v = this.values;
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
}

/** Ascending distance, then ascending position. */
export function compareNeighbors(a: Neighbor, b: Neighbor): number {
  return a.distance - b.distance || a.position - b.position;
}

/** Whether (da, pa) ranks after (db, pb). */
function worse(da: number, pa: number, db: number, pb: number): boolean {
  return da > db || (da === db && pa > pb);
}
