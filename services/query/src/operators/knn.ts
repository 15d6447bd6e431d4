import type { LiveRecord } from '@huedb/core';

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
