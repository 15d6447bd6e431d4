import fc from 'fast-check';

/**
 * Random operations for the differential suite (differential.test.ts). They lean on the inputs
 * that broke HueDB before: empty lists, nulls, unicode (combining marks, astral characters, the
 * German sharp s), keys like `__proto__`, every filter operator, regexes with inline flags,
 * limits and offsets past the end, and a few malformed requests whose status must match too.
 */

export const SPACES = ['l2', 'cosine', 'ip'] as const;
export type SpaceName = (typeof SPACES)[number];

const IDS = ['a', 'b', 'c', 'straße', '日本', '🙂', 'e\u0301', '__proto__'];
const KEYS = ['k', 'j', '__proto__', 'constructor', 'ключ'];
const DOCUMENTS = [
  'red apple',
  'green pear',
  'Red PEAR pie',
  'straße',
  'STRASSE',
  '日本語のテキスト',
  'emoji 🍎 apple',
  'cafe\u0301 au lait',
  '',
];
const STRINGS = ['x', 'y', 'Ünïcödé', '🍐', ''];
const PATTERNS = [
  'pear',
  '^red',
  'pear$',
  '(?i)red',
  '(?i)r(?-i)ed',
  '^\\w+ \\w+$',
  '\\w',
  'stra(ss|ß)e',
  '[[:alpha:]]+ apple',
  '\\p{Han}+',
  '🍎',
  'a.c',
  '(?s).*',
  '^$',
];

const idsArb = (minLength: number) =>
  fc.uniqueArray(fc.constantFrom(...IDS), { minLength, maxLength: 4 });

const nonZero = (v: number[]) => v.some((x) => x !== 0);
/** Three dimensions, quarter steps: ties happen but are rare; never the zero vector (cosine). */
export const vectorArb = fc
  .array(
    fc.integer({ min: -12, max: 12 }).map((n) => n / 4),
    { minLength: 3, maxLength: 3 },
  )
  .filter(nonZero);

const scalarArb = fc.oneof(
  fc.integer({ min: -2, max: 3 }),
  fc.constantFrom(0.5, -1.25, 2.0),
  fc.constantFrom(...STRINGS),
  fc.boolean(),
);
const arrayValueArb = fc.oneof(
  fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
  fc.uniqueArray(fc.constantFrom('x', 'y', '🍐'), { minLength: 1, maxLength: 2 }),
  fc.constant([true]),
);
const valueArb = fc.oneof(
  { weight: 4, arbitrary: scalarArb },
  { weight: 1, arbitrary: arrayValueArb },
);

const metadataArb = fc.option(
  fc.dictionary(fc.constantFrom(...KEYS), valueArb, { maxKeys: 3, noNullPrototype: true }),
  { nil: null, freq: 4 },
);
const updateMetadataArb = fc.option(
  fc.dictionary(fc.constantFrom(...KEYS), fc.option(valueArb, { nil: null, freq: 4 }), {
    maxKeys: 3,
    noNullPrototype: true,
  }),
  { nil: null, freq: 4 },
);
const documentArb = fc.option(fc.constantFrom(...DOCUMENTS), { nil: null, freq: 5 });

/** An object with one own key `key` (safe for `__proto__`, which a literal would not make a key). */
function single(key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

const keyArb = fc.constantFrom(...KEYS);
// Filter operands are never fractional: against an integer value chroma 1.5.9 truncates a float
// operand (`{"k": {"$lt": 0.5}}` does not match `k = 0`) where HueDB compares numerically, the
// difference docs/compatibility.md lists. Fractional VALUES stay, so float values are still
// compared with integer operands. (2.0 reaches the wire as `2`: JSON.stringify drops the `.0`.)
const numberArb = fc.integer({ min: -2, max: 3 });
const operandArb = fc.oneof(numberArb, fc.constantFrom(...STRINGS), fc.boolean());
const leafWhereArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.tuple(keyArb, operandArb).map(([k, v]) => single(k, v)),
  fc
    .tuple(keyArb, fc.constantFrom('$eq', '$ne'), operandArb)
    .map(([k, op, v]) => single(k, single(op, v))),
  fc
    .tuple(keyArb, fc.constantFrom('$gt', '$gte', '$lt', '$lte'), numberArb)
    .map(([k, op, v]) => single(k, single(op, v))),
  fc
    .tuple(
      keyArb,
      fc.constantFrom('$in', '$nin'),
      fc.oneof(
        fc.uniqueArray(fc.integer({ min: -1, max: 3 }), { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(fc.constantFrom(...STRINGS), { minLength: 1, maxLength: 3 }),
      ),
    )
    .map(([k, op, v]) => single(k, single(op, v))),
  fc
    .tuple(
      keyArb,
      fc.constantFrom('$contains', '$not_contains'),
      fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', '🍐'), fc.constant(true)),
    )
    .map(([k, op, v]) => single(k, single(op, v))),
  fc
    .tuple(
      fc.constantFrom('$contains', '$not_contains', '$regex', '$not_regex'),
      fc.constantFrom('pear', 'apple', 'ß', '(?i)red'),
    )
    .map(([op, v]) => single('#document', single(op, v))),
);
export const whereArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 4, arbitrary: leafWhereArb },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('$and', '$or'), fc.array(leafWhereArb, { minLength: 1, maxLength: 3 }))
      .map(([op, items]) => single(op, items)),
  },
);

const leafDocumentArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('$contains', '$not_contains'),
      fc.constantFrom(...DOCUMENTS.slice(0, 8), 'pear', 'ß', '🍎'),
    )
    .map(([op, v]) => single(op, v)),
  fc
    .tuple(fc.constantFrom('$regex', '$not_regex'), fc.constantFrom(...PATTERNS))
    .map(([op, v]) => single(op, v)),
);
export const whereDocumentArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 4, arbitrary: leafDocumentArb },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('$and', '$or'),
        fc.array(leafDocumentArb, { minLength: 1, maxLength: 3 }),
      )
      .map(([op, items]) => single(op, items)),
  },
);

const INCLUDE = ['documents', 'metadatas', 'embeddings', 'uris'] as const;
const includeArb = fc.option(fc.subarray([...INCLUDE]), { nil: undefined });
const queryIncludeArb = fc.option(fc.subarray([...INCLUDE, 'distances']), { nil: undefined });

/** One request: method, path below the collection, body. */
export interface Op {
  kind: 'add' | 'upsert' | 'update' | 'delete' | 'get' | 'query' | 'count' | 'malformed';
  body?: unknown;
}

const sized = <T>(n: number, arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: n, maxLength: n });

const writeArb = (kind: 'add' | 'upsert' | 'update') =>
  idsArb(1).chain((ids) =>
    fc.record(
      {
        ids: fc.constant(ids),
        embeddings:
          kind === 'update'
            ? fc.option(sized(ids.length, fc.option(vectorArb, { nil: null, freq: 2 })), {
                nil: undefined,
              })
            : sized(ids.length, vectorArb),
        documents: fc.option(sized(ids.length, documentArb), { nil: undefined }),
        uris: fc.option(
          sized(ids.length, fc.option(fc.constantFrom('s3://b/k', 'file:///ü'), { nil: null })),
          {
            nil: undefined,
          },
        ),
        metadatas: fc.option(sized(ids.length, kind === 'add' ? metadataArb : updateMetadataArb), {
          nil: undefined,
        }),
      },
      { requiredKeys: ['ids', 'embeddings'] },
    ),
  );

/** Requests both servers must refuse the same way (status and error name). */
const malformedArb: fc.Arbitrary<Op> = fc.constantFrom<Op>(
  { kind: 'malformed', body: { path: 'add', ids: ['a', 'b'], embeddings: [[1, 2, 3]] } },
  {
    kind: 'malformed',
    body: { path: 'add', ids: ['a'], embeddings: [[1, 2, 3]], metadatas: [{ $bad: 1 }] },
  },
  { kind: 'malformed', body: { path: 'get', where: { k: { $foo: 1 } } } },
  { kind: 'malformed', body: { path: 'get', where: { k: 1, j: 2 } } },
  { kind: 'malformed', body: { path: 'get', where: { k: { $in: [] } } } },
  { kind: 'malformed', body: { path: 'get', where: { k: { $gt: 'x' } } } },
  { kind: 'malformed', body: { path: 'get', where: { $and: [] } } },
  { kind: 'malformed', body: { path: 'get', where_document: { $contains: 1 } } },
  { kind: 'malformed', body: { path: 'get', include: ['distances'] } },
  { kind: 'malformed', body: { path: 'get', where_document: { $regex: '(' } } },
  { kind: 'malformed', body: { path: 'delete', ids: [] } },
  { kind: 'malformed', body: { path: 'query', query_embeddings: [[1, 2]], n_results: 1 } },
  // Not `n_results: 0`: chroma 1.5.9 panics on it once >20% of a small index is deleted (the
  // connection drops, no answer to compare; docs/compatibility.md). input-safety.test.ts covers it.
);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: writeArb('add').map((body) => ({ kind: 'add' as const, body })) },
  { weight: 2, arbitrary: writeArb('upsert').map((body) => ({ kind: 'upsert' as const, body })) },
  { weight: 2, arbitrary: writeArb('update').map((body) => ({ kind: 'update' as const, body })) },
  {
    weight: 2,
    arbitrary: fc
      .record(
        { ids: idsArb(0), where: whereArb, where_document: whereDocumentArb },
        { requiredKeys: [] },
      )
      .filter((b) => b.ids !== undefined || b.where !== undefined || b.where_document !== undefined)
      .map((body) => ({ kind: 'delete' as const, body })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          ids: idsArb(0),
          where: whereArb,
          where_document: whereDocumentArb,
          limit: fc.integer({ min: 0, max: 5 }),
          offset: fc.integer({ min: 0, max: 6 }),
          include: includeArb,
        },
        { requiredKeys: [] },
      )
      .map((body) => ({ kind: 'get' as const, body })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          query_embeddings: fc.array(vectorArb, { minLength: 1, maxLength: 2 }),
          n_results: fc.integer({ min: 1, max: 9 }),
          ids: idsArb(0),
          where: whereArb,
          where_document: whereDocumentArb,
          include: queryIncludeArb,
        },
        { requiredKeys: ['query_embeddings', 'n_results'] },
      )
      .map((body) => ({ kind: 'query' as const, body })),
  },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'count' }) },
  { weight: 1, arbitrary: malformedArb },
);
