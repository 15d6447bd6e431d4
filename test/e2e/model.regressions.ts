/** One step of a model-based sequence (model.test.ts generates them). */
export type Op =
  | {
      kind: 'add' | 'upsert';
      ids: string[];
      embeddings: number[][];
      documents: (string | null)[];
      metadatas: unknown[];
    }
  | {
      kind: 'update';
      ids: string[];
      embeddings: (number[] | null)[];
      documents: (string | null)[];
      metadatas: unknown[];
    }
  | { kind: 'delete'; ids?: string[]; where?: object }
  | {
      kind: 'get';
      ids?: string[];
      where?: object;
      whereDocument?: object;
      limit?: number;
      offset?: number;
    }
  | { kind: 'query'; vector: number[]; n: number; ids?: string[]; where?: object }
  | { kind: 'count' };

/**
 * Sequences on which the cluster and the reference model once disagreed, or that pin a case the
 * random runs rarely reach; model.test.ts replays each before the random runs. Add one as the
 * operations fast-check prints for a failure (its counterexample), shrunk.
 */
export const REGRESSIONS: {
  note: string;
  ops: Op[];
  /**
   * Set while HueDB still disagrees with Chroma on this sequence: what differs. The replay then
   * asserts that it still fails (vitest's `it.fails`), so the fix turns it red and the marker
   * is removed with the fix, instead of the case being dropped or skipped unseen.
   */
  divergence?: string;
}[] = [
  {
    // Chroma 1.5.9 answers {"deleted":0}: the ids select nothing and the where is ANDed with them.
    // Treating an empty list as "no ids" would delete the record the where matches.
    note: 'delete with an empty id list and a where deletes nothing',
    ops: [
      {
        kind: 'add',
        ids: ['a', 'b'],
        embeddings: [
          [1, 2],
          [3, 4],
        ],
        documents: [null, null],
        metadatas: [{ k: 1 }, { k: 2 }],
      },
      { kind: 'delete', ids: [], where: { k: 1 } },
      { kind: 'count' },
      { kind: 'get' },
    ],
  },
  {
    // An update of an id that was never added (or was deleted) changes nothing, and the rest of
    // its batch still applies.
    note: 'update of a missing id among present ones updates only the present',
    ops: [
      {
        kind: 'add',
        ids: ['a'],
        embeddings: [[0, 1]],
        documents: ['red apple'],
        metadatas: [{ k: 'x' }],
      },
      { kind: 'delete', ids: ['b'] },
      {
        kind: 'update',
        ids: ['b', 'a'],
        embeddings: [null, [1, 1]],
        documents: [null, 'green pear'],
        metadatas: [{ k: 1 }, { j: 2 }],
      },
      { kind: 'query', vector: [1, 1], n: 2 },
      { kind: 'get', where: { j: { $gte: 2 } } },
    ],
  },
];
