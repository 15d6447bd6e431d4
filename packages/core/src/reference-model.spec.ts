import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { CollectionModel } from './reference-model.js';
import type { Metadata, UpdateMetadata } from './types.js';

function seeded(): CollectionModel {
  const m = new CollectionModel();
  m.add({
    ids: ['a', 'b', 'c'],
    embeddings: [
      [0, 0],
      [1, 0],
      [0, 2],
    ],
    documents: ['apple pie', 'banana', null],
    metadatas: [{ n: 1, tag: 'x' }, { n: 2 }, null],
  });
  return m;
}

describe('CollectionModel writes', () => {
  it('add inserts, and an existing id is left untouched', () => {
    const m = seeded();
    m.add({
      ids: ['a', 'd'],
      embeddings: [
        [9, 9],
        [3, 3],
      ],
      documents: ['changed', 'new'],
    });
    expect(m.get({ include: ['documents', 'embeddings'] })).toMatchObject({
      ids: ['a', 'b', 'c', 'd'],
      documents: ['apple pie', 'banana', null, 'new'],
      embeddings: [
        [0, 0],
        [1, 0],
        [0, 2],
        [3, 3],
      ],
    });
  });

  it('duplicate ids in one request apply in order', () => {
    const m = new CollectionModel();
    m.add({ ids: ['x', 'x'], embeddings: [[1], [2]], documents: ['first', 'second'] });
    expect(m.get({ include: ['documents'] }).documents).toEqual(['first']);
    m.upsert({ ids: ['x', 'x'], embeddings: [[3], [4]], metadatas: [{ a: 1 }, { b: 2 }] });
    expect(m.get({ include: ['metadatas', 'embeddings'] })).toMatchObject({
      metadatas: [{ a: 1, b: 2 }],
      embeddings: [[4]],
    });
    m.update({ ids: ['x', 'x'], metadatas: [{ a: null }, { a: 5 }] });
    expect(m.get().metadatas).toEqual([{ a: 5, b: 2 }]);
  });

  it('update merges into existing records and ignores missing ids', () => {
    const m = seeded();
    m.update({
      ids: ['a', 'zzz'],
      embeddings: [
        [5, 5],
        [6, 6],
      ],
      metadatas: [{ n: null, extra: [1, 2] }, { n: 9 }],
    });
    expect(m.count()).toBe(3);
    expect(m.get({ ids: ['a'], include: ['documents', 'metadatas', 'embeddings'] })).toMatchObject({
      documents: ['apple pie'],
      metadatas: [{ tag: 'x', extra: [1, 2] }],
      embeddings: [[5, 5]],
    });
  });

  it('a null entry or an absent field leaves the stored value unchanged', () => {
    const m = seeded();
    m.update({
      ids: ['a'],
      embeddings: [null],
      documents: [null],
      uris: [null],
      metadatas: [null],
    });
    m.upsert({ ids: ['b'], embeddings: [[7, 7]], documents: [null] });
    expect(m.get({ include: ['documents', 'metadatas', 'embeddings'] })).toMatchObject({
      documents: ['apple pie', 'banana', null],
      metadatas: [{ n: 1, tag: 'x' }, { n: 2 }, null],
      embeddings: [
        [0, 0],
        [7, 7],
        [0, 2],
      ],
    });
  });

  it('upsert inserts (dropping null values) or merges, keeping the position', () => {
    const m = seeded();
    m.upsert({
      ids: ['new', 'a'],
      embeddings: [
        [1, 1],
        [2, 2],
      ],
      documents: ['fresh', 'replaced'],
      uris: ['u1', 'u2'],
      metadatas: [{ keep: true, drop: null }, { tag: 'y' }],
    });
    expect(m.get({ include: ['documents', 'metadatas', 'uris'] })).toEqual({
      ids: ['a', 'b', 'c', 'new'],
      documents: ['replaced', 'banana', null, 'fresh'],
      metadatas: [{ n: 1, tag: 'y' }, { n: 2 }, null, { keep: true }],
      uris: ['u2', null, null, 'u1'],
      embeddings: null,
      include: ['documents', 'metadatas', 'uris'],
    });
  });

  it('empty metadata reads back as null', () => {
    const m = new CollectionModel();
    m.add({ ids: ['a', 'b'], embeddings: [[1], [2]], metadatas: [{}, { k: 1 }] });
    m.update({ ids: ['b'], metadatas: [{ k: null }] });
    expect(m.get().metadatas).toEqual([null, null]);
    m.upsert({ ids: ['c'], embeddings: [[3]], metadatas: [{ only: null }] });
    expect(m.get({ ids: ['c'] }).metadatas).toEqual([null]);
  });

  it('fixes the dimension on the first write with a vector and keeps it', () => {
    const m = new CollectionModel();
    expect(m.dimension).toBeNull();
    m.update({ ids: ['missing'], embeddings: [[1, 2, 3]] }); // a no-op, yet it fixes the dimension
    expect(m.dimension).toBe(3);
    expect(m.count()).toBe(0);
    expect(() => m.add({ ids: ['a'], embeddings: [[1, 2]] })).toThrow(
      'Collection expecting embedding with dimension of 3, got 2',
    );
    m.add({ ids: ['a'], embeddings: [[1, 2, 3]] });
    m.delete({ ids: ['a'] });
    expect(m.dimension).toBe(3);
  });

  it('rejects a bad batch without applying any of it', () => {
    const m = seeded();
    const before = m.snapshot();
    expect(() =>
      m.add({
        ids: ['d', 'e'],
        embeddings: [
          [1, 1],
          [1, 1, 1],
        ],
      }),
    ).toThrow('Inconsistent dimensions in provided embeddings');
    expect(() => m.upsert({ ids: ['a', 'b'], embeddings: [[1, 1]] })).toThrow(
      'Inconsistent number of IDs',
    );
    expect(() => m.add({ ids: ['d'], embeddings: [[NaN, 0]] })).toThrow(InvalidArgumentError);
    expect(() => m.add({ ids: [''], embeddings: [[0, 0]] })).toThrow('Empty ID');
    expect(() => m.upsert({ ids: ['d'], embeddings: [null as unknown as number[]] })).toThrow(
      'required',
    );
    expect(m.snapshot()).toEqual(before);
  });

  it('stores and filters keys named __proto__ or constructor like any other', () => {
    const m = new CollectionModel();
    const md = JSON.parse('{"__proto__": "x", "constructor": 1}') as Metadata;
    m.add({ ids: ['a', 'b'], embeddings: [[1], [2]], metadatas: [md, { k: 1 }] });
    expect(JSON.stringify(m.get({ ids: ['a'] }).metadatas)).toBe(
      '[{"__proto__":"x","constructor":1}]',
    );
    expect(m.get({ where: JSON.parse('{"__proto__": "x"}') }).ids).toEqual(['a']);
    expect(m.get({ where: { constructor: { $gte: 1 } } }).ids).toEqual(['a']);
    expect(m.get({ where: { constructor: { $ne: 1 } } }).ids).toEqual(['b']);
    m.update({ ids: ['a'], metadatas: [JSON.parse('{"__proto__": null}') as UpdateMetadata] });
    expect(m.get({ ids: ['a'] }).metadatas).toEqual([{ constructor: 1 }]);
  });

  it('does not share state with its callers', () => {
    const m = new CollectionModel();
    const md: Metadata = { list: ['a'] };
    const vec = new Float32Array([1]);
    m.add({ ids: ['a'], embeddings: [vec], metadatas: [md] });
    (md['list'] as string[]).push('b');
    vec[0] = 9;
    const got = m.get({ include: ['metadatas', 'embeddings'] });
    (got.metadatas![0]!['list'] as string[]).push('c');
    expect(m.get({ include: ['metadatas', 'embeddings'] })).toMatchObject({
      metadatas: [{ list: ['a'] }],
      embeddings: [[1]],
    });
  });
});

describe('CollectionModel delete', () => {
  it('deletes by ids and/or filters; ids alone count as given, filters count what matched', () => {
    const m = seeded();
    // Chroma 1.5.9 answers {"deleted": 3} here: ids alone are counted, present or not.
    expect(m.delete({ ids: ['a', 'a', 'nope'] })).toBe(3);
    expect(m.delete({ where: { n: { $gte: 2 } } })).toBe(1);
    expect(m.get().ids).toEqual(['c']);
    expect(m.delete({ ids: ['c'], whereDocument: { $contains: 'x' } })).toBe(0);
    expect(m.delete({ whereDocument: { $not_contains: 'x' } })).toBe(1);
    expect(m.count()).toBe(0);
  });

  it('honours limit in insertion order', () => {
    const m = seeded();
    expect(m.delete({ where: { n: { $ne: 100 } }, limit: 2 })).toBe(2);
    expect(m.get().ids).toEqual(['c']);
  });

  it("refuses ids: [] alone and limit without a filter (Chroma's messages)", () => {
    const m = seeded();
    expect(() => m.delete({ ids: [] })).toThrow('Either ids or where must be specified');
    expect(() => m.delete({ ids: [], limit: 1 })).toThrow('Either ids or where must be specified');
    expect(() => m.delete({ ids: ['a'], limit: 1 })).toThrow(
      'limit can only be specified when a where clause is provided',
    );
    expect(() => m.delete({ limit: 0 })).toThrow(
      'limit can only be specified when a where clause is provided',
    );
    expect(() => m.delete({ where: { $bad: 1 } })).toThrow('Invalid where clause');
    expect(m.count()).toBe(3);
  });

  it('deletes nothing for an empty request or ids: [] with a filter', () => {
    const m = seeded();
    expect(m.delete({})).toBe(0);
    expect(m.delete({ ids: [], where: { n: { $gte: 0 } } })).toBe(0);
    expect(m.delete({ ids: [], whereDocument: { $not_contains: 'zzz' } })).toBe(0);
    expect(m.count()).toBe(3);
  });

  it('reads ids: [] as "no record", never as "all"', () => {
    const m = seeded();
    expect(m.get({ ids: [] }).ids).toEqual([]);
    expect(m.get({ ids: [], where: { n: { $gte: 0 } } }).ids).toEqual([]);
    expect(m.query({ embeddings: [[0, 0]], ids: [] }).ids).toEqual([[]]);
  });

  it('a deleted then re-added id goes to the end', () => {
    const m = seeded();
    m.delete({ ids: ['a'] });
    m.add({ ids: ['a'], embeddings: [[0, 0]] });
    m.upsert({ ids: ['b'], embeddings: [[1, 1]] });
    expect(m.get().ids).toEqual(['b', 'c', 'a']);
  });
});

describe('CollectionModel get', () => {
  it('returns insertion order whatever the order of ids, and pages over it', () => {
    const m = seeded();
    expect(m.get({ ids: ['c', 'a', 'x'] }).ids).toEqual(['a', 'c']);
    expect(m.get({ offset: 1 }).ids).toEqual(['b', 'c']);
    expect(m.get({ limit: 1, offset: 1 }).ids).toEqual(['b']);
    expect(m.get({ limit: 0 }).ids).toEqual([]);
    expect(m.get({ offset: 5 }).ids).toEqual([]);
  });

  it('projects the included fields; the others are null', () => {
    const m = seeded();
    expect(m.get({ ids: ['a'] })).toEqual({
      ids: ['a'],
      documents: ['apple pie'],
      metadatas: [{ n: 1, tag: 'x' }],
      embeddings: null,
      uris: null,
      include: ['documents', 'metadatas'],
    });
    expect(m.get({ ids: ['c'], include: [] })).toEqual({
      ids: ['c'],
      documents: null,
      metadatas: null,
      embeddings: null,
      uris: null,
      include: [],
    });
  });

  it('filters with where and where_document together', () => {
    const m = seeded();
    expect(m.get({ where: { n: { $lt: 5 } }, whereDocument: { $contains: 'an' } }).ids).toEqual([
      'b',
    ]);
    expect(m.get({ where: { tag: { $ne: 'x' } } }).ids).toEqual(['b', 'c']);
    expect(m.get({ where: { '#document': { $regex: '^a' } } }).ids).toEqual(['a']);
  });
});

describe('CollectionModel query', () => {
  it('returns the nearest records with squared L2 distances', () => {
    const m = seeded();
    const r = m.query({
      embeddings: [
        [1, 0],
        [0, 0],
      ],
      nResults: 2,
    });
    expect(r.ids).toEqual([
      ['b', 'a'],
      ['a', 'b'],
    ]);
    expect(r.distances).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(r.documents).toEqual([
      ['banana', 'apple pie'],
      ['apple pie', 'banana'],
    ]);
    expect(r.embeddings).toBeNull();
    expect(r.include).toEqual(['documents', 'metadatas', 'distances']);
  });

  it('breaks ties by insertion order', () => {
    const m = new CollectionModel();
    m.add({ ids: ['z', 'y', 'x'], embeddings: [[1], [-1], [1]] });
    expect(m.query({ embeddings: [[0]] }).ids).toEqual([['z', 'y', 'x']]);
  });

  it('uses the collection space', () => {
    const cos = new CollectionModel({ space: 'cosine' });
    cos.add({
      ids: ['same', 'orth', 'opp'],
      embeddings: [
        [2, 0],
        [0, 1],
        [-1, 0],
      ],
    });
    const r = cos.query({ embeddings: [[1, 0]], include: ['distances'] });
    expect(r.ids).toEqual([['same', 'orth', 'opp']]);
    expect(r.distances![0]![0]).toBeCloseTo(0);
    expect(r.distances![0]![1]).toBeCloseTo(1);
    expect(r.distances![0]![2]).toBeCloseTo(2);
    const ip = new CollectionModel({ space: 'ip' });
    ip.add({
      ids: ['small', 'big'],
      embeddings: [
        [1, 0],
        [3, 0],
      ],
    });
    expect(ip.query({ embeddings: [[1, 0]], include: ['distances'] })).toMatchObject({
      ids: [['big', 'small']],
      distances: [[-2, 0]],
    });
  });

  it('applies ids and filters, and returns at most the matching records', () => {
    const m = seeded();
    expect(m.query({ embeddings: [[0, 0]], nResults: 10, where: { n: { $gt: 0 } } }).ids).toEqual([
      ['a', 'b'],
    ]);
    expect(m.query({ embeddings: [[0, 0]], ids: ['c', 'b'] }).ids).toEqual([['b', 'c']]);
    expect(m.query({ embeddings: [[0, 0]], whereDocument: { $contains: 'zzz' } }).ids).toEqual([
      [],
    ]);
  });

  it('answers empty lists on an empty collection and checks dimensions', () => {
    expect(new CollectionModel().query({ embeddings: [[1, 2]] })).toMatchObject({
      ids: [[]],
      distances: [[]],
    });
    expect(() => seeded().query({ embeddings: [[1, 2, 3]] })).toThrow(
      'Collection expecting embedding with dimension of 2, got 3',
    );
  });
});

// ---- Invariants under random operation sequences. ----

const IDS = ['a', 'b', 'c', 'd', 'e'];
const vec = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }));
const update: fc.Arbitrary<UpdateMetadata> = fc.dictionary(
  fc.constantFrom('k', 'l'),
  fc.option(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', 'y'))),
  { maxKeys: 2 },
);
type Op = (m: CollectionModel) => void;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .array(
      fc.record({ id: fc.constantFrom(...IDS), v: vec, doc: fc.option(fc.constantFrom('p', 'q')) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    )
    .map(
      (rs) => (m: CollectionModel) =>
        m.add({
          ids: rs.map((r) => r.id),
          embeddings: rs.map((r) => r.v),
          documents: rs.map((r) => r.doc),
        }),
    ),
  fc
    .array(fc.record({ id: fc.constantFrom(...IDS), v: vec, md: fc.option(update) }), {
      minLength: 1,
      maxLength: 3,
    })
    .map(
      (rs) => (m: CollectionModel) =>
        m.upsert({
          ids: rs.map((r) => r.id),
          embeddings: rs.map((r) => r.v),
          metadatas: rs.map((r) => r.md),
        }),
    ),
  fc
    .array(fc.record({ id: fc.constantFrom(...IDS), md: fc.option(update) }), {
      minLength: 1,
      maxLength: 3,
    })
    .map(
      (rs) => (m: CollectionModel) =>
        m.update({ ids: rs.map((r) => r.id), metadatas: rs.map((r) => r.md) }),
    ),
  fc
    .uniqueArray(fc.constantFrom(...IDS), { minLength: 1 })
    .map((ids) => (m: CollectionModel) => void m.delete({ ids })),
  // ids: [] with a filter must delete nothing.
  fc
    .integer({ min: 0, max: 3 })
    .map((k) => (m: CollectionModel) => void m.delete({ ids: [], where: { k: { $gte: k } } })),
  fc
    .integer({ min: 0, max: 3 })
    .map((k) => (m: CollectionModel) => void m.delete({ where: { k: { $gte: k } } })),
);

describe('CollectionModel invariants', () => {
  it('holds under any sequence of writes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), fc.nat({ max: 5 }), (ops, pageSize) => {
        const m = new CollectionModel();
        for (const op of ops) op(m);
        const all = m.get({ include: ['metadatas', 'documents', 'embeddings'] });
        expect(all.ids).toHaveLength(m.count());
        expect(new Set(all.ids).size).toBe(all.ids.length);
        for (const md of all.metadatas!) {
          if (md !== null) expect(Object.keys(md).length).toBeGreaterThan(0);
        }
        // Pages of any size compose to the whole.
        const size = pageSize + 1;
        const paged: string[] = [];
        for (let offset = 0; offset < m.count(); offset += size) {
          paged.push(...m.get({ offset, limit: size }).ids);
        }
        expect(paged).toEqual(all.ids);
        // where and its negation partition the records.
        const hit = m.get({ where: { k: { $eq: 1 } } }).ids;
        const miss = m.get({ where: { k: { $ne: 1 } } }).ids;
        expect([...hit, ...miss].sort()).toEqual([...all.ids].sort());
        // A query for everything returns every record, nearest first.
        if (m.count() > 0) {
          const q = m.query({ embeddings: [[0, 0]], nResults: IDS.length });
          expect([...q.ids[0]!].sort()).toEqual([...all.ids].sort());
          const d = q.distances![0]!;
          for (let i = 1; i < d.length; i++) expect(d[i]!).toBeGreaterThanOrEqual(d[i - 1]!);
          // Every record is its own nearest neighbour at distance 0.
          all.ids.forEach((id, i) => {
            const own = m.query({ embeddings: [all.embeddings![i]!], nResults: 1, ids: [id] });
            expect(own.distances).toEqual([[0]]);
          });
        }
      }),
    );
  });
});
