import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import {
  countWhereDocumentPredicates,
  countWherePredicates,
  matchesFilters,
  matchesWhere,
  matchesWhereDocument,
  MAX_FILTER_DEPTH,
  parseWhere,
  parseWhereDocument,
  whereDocumentToJson,
  whereToJson,
} from './filters.js';
import type { Metadata, MetadataScalar, MetadataValue } from './types.js';

const where = (json: unknown, md: Metadata | null, doc: string | null = null) =>
  matchesWhere(parseWhere(json), md, doc);
const whereDoc = (json: unknown, doc: string | null) =>
  matchesWhereDocument(parseWhereDocument(json), doc);

describe('parseWhere', () => {
  it('parses every operator', () => {
    expect(parseWhere({ a: 'x' })).toEqual({ type: 'equality', key: 'a', op: '$eq', value: 'x' });
    expect(parseWhere({ a: { $ne: 1 } })).toEqual({
      type: 'equality',
      key: 'a',
      op: '$ne',
      value: 1,
    });
    expect(parseWhere({ a: { $gte: 1.5 } })).toEqual({
      type: 'range',
      key: 'a',
      op: '$gte',
      value: 1.5,
    });
    expect(parseWhere({ a: { $nin: [true, false] } })).toEqual({
      type: 'set',
      key: 'a',
      op: '$nin',
      values: [true, false],
    });
    expect(parseWhere({ tags: { $contains: 'x' } })).toEqual({
      type: 'contains',
      key: 'tags',
      op: '$contains',
      value: 'x',
    });
    expect(parseWhere({ '#document': { $regex: 'a+' } })).toEqual({
      type: 'document',
      op: '$regex',
      pattern: 'a+',
    });
    expect(parseWhere({ $and: [{ a: 1 }, { $or: [{ b: true }, { c: { $lt: 0 } }] }] })).toEqual({
      type: 'and',
      children: [
        { type: 'equality', key: 'a', op: '$eq', value: 1 },
        {
          type: 'or',
          children: [
            { type: 'equality', key: 'b', op: '$eq', value: true },
            { type: 'range', key: 'c', op: '$lt', value: 0 },
          ],
        },
      ],
    });
  });

  it('accepts $and/$or of any length, as Chroma 1.x servers do', () => {
    expect(parseWhere({ $and: [] })).toEqual({ type: 'and', children: [] });
    expect(parseWhere({ $or: [{ a: 1 }] })).toEqual({
      type: 'or',
      children: [{ type: 'equality', key: 'a', op: '$eq', value: 1 }],
    });
  });

  it.each([
    [null, 'Expected where to be a dict'],
    [[], 'Expected where to be a dict'],
    ['a', 'Expected where to be a dict'],
    [{}, 'exactly one operator'],
    [{ a: 1, b: 2 }, 'exactly one operator'],
    [{ $and: { a: 1 } }, 'list of where expressions'],
    [{ $and: [{ a: 1 }, 5] }, 'Expected where to be a dict'],
    [{ $not: [{ a: 1 }] }, 'metadata field name or a logical operator'],
    [{ $contains: 'x' }, 'metadata field name or a logical operator'],
    [{ a: null }, 'Expected where value to be a str, int, float, or operator expression'],
    [{ a: ['x'] }, 'Expected where value to be a str, int, float, or operator expression'],
    [{ a: {} }, 'exactly one operator'],
    [{ a: { $eq: 1, $ne: 2 } }, 'exactly one operator'],
    [{ a: { $eq: null } }, 'for operator $eq'],
    [{ a: { $eq: [1] } }, 'for operator $eq'],
    [{ a: { $gt: 'x' } }, 'int or a float for operator $gt'],
    [{ a: { $lte: true } }, 'int or a float for operator $lte'],
    [{ a: { $in: 'x' } }, 'list for operator $in'],
    [{ a: { $in: [] } }, 'non-empty list'],
    [{ a: { $nin: ['x', 1] } }, 'same type'],
    [{ a: { $in: [1, true] } }, 'same type'],
    [{ a: { $in: [[1]] } }, 'same type'],
    [{ a: { $contains: [1] } }, 'for operator $contains'],
    [{ a: { $regex: 'x' } }, 'Expected where operator to be one of'],
    [{ a: { $like: 'x' } }, 'Expected where operator to be one of'],
    [{ '#document': 'x' }, 'operator expression for #document'],
    [{ '#document': { $eq: 'x' } }, 'Expected operator for #document'],
    [{ '#document': { $contains: 1 } }, 'to be a str for operator $contains on #document'],
  ])('rejects %j', (json, message) => {
    const call = () => parseWhere(json);
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(/^Invalid where clause/);
    expect(call).toThrow(message);
  });

  it("rejects an invalid #document regex with Chroma's own message (no clause prefix)", () => {
    expect(() => parseWhere({ '#document': { $regex: '(?=a)' } })).toThrow(
      new InvalidArgumentError(
        'Regex syntax errror: regex parse error:\n    (?=a)\n    ^^^\nerror: look-around, including look-ahead and look-behind, is not supported',
      ),
    );
  });

  it('rejects filters nested deeper than the limit', () => {
    let json: unknown = { a: 1 };
    for (let i = 0; i <= MAX_FILTER_DEPTH; i++) json = { $and: [json] };
    expect(() => parseWhere(json)).toThrow('nested deeper');
  });

  it('explains values too deep to print without overflowing the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(() => parseWhere({ k: deep })).toThrow(InvalidArgumentError);
    expect(() => parseWhere({ k: deep })).toThrow('got [...]');
    expect(() => parseWhere({ k: { $in: deep } })).toThrow(InvalidArgumentError);
  });
});

describe('parseWhereDocument', () => {
  it('parses operators and connectives', () => {
    expect(parseWhereDocument({ $and: [{ $contains: 'a' }, { $not_regex: '^b' }] })).toEqual({
      type: 'and',
      children: [
        { type: 'document', op: '$contains', pattern: 'a' },
        { type: 'document', op: '$not_regex', pattern: '^b' },
      ],
    });
  });

  it.each([
    [null, 'to be a dictionary'],
    [{}, 'exactly one operator'],
    [{ $contains: 'a', $regex: 'b' }, 'exactly one operator'],
    [{ $matches: 'a' }, 'Expected where document operator to be one of'],
    [{ $contains: 1 }, 'to be a str'],
    [{ $or: 'a' }, 'list of where document expressions'],
  ])('rejects %j', (json, message) => {
    const call = () => parseWhereDocument(json);
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(/^Invalid where document clause/);
    expect(call).toThrow(message);
  });

  it("rejects an invalid regex with Chroma's own message (no clause prefix)", () => {
    expect(() => parseWhereDocument({ $not_regex: '[' })).toThrow(
      'Regex syntax errror: regex parse error:\n    [\n    ^\nerror: unclosed character class',
    );
    expect(() => parseWhereDocument({ $regex: '[a&&b]' })).toThrow('Byte pattern is not allowed');
  });
});

describe('matchesWhere (Chroma semantics)', () => {
  const md: Metadata = {
    s: 'apple',
    i: 3,
    f: 2.5,
    b: true,
    tags: ['red', 'green'],
    nums: [1, 2, 3],
    flags: [false],
  };

  it('$eq compares within a type; numbers numerically; bools are not numbers', () => {
    expect(where({ s: 'apple' }, md)).toBe(true);
    expect(where({ i: 3 }, md)).toBe(true);
    expect(where({ i: 3.0 }, md)).toBe(true);
    expect(where({ f: 2.5 }, md)).toBe(true);
    expect(where({ i: '3' }, md)).toBe(false);
    expect(where({ b: 1 }, md)).toBe(false);
    expect(where({ b: true }, md)).toBe(true);
    expect(where({ i: { $eq: 3.5 } }, md)).toBe(false); // Chroma would truncate 3.5 to 3
  });

  it('$ne, $nin and $not_contains match records without the key', () => {
    expect(where({ missing: { $ne: 'x' } }, md)).toBe(true);
    expect(where({ missing: { $nin: ['x'] } }, md)).toBe(true);
    expect(where({ missing: { $not_contains: 'x' } }, md)).toBe(true);
    expect(where({ missing: { $ne: 'x' } }, null)).toBe(true);
    expect(where({ missing: { $eq: 'x' } }, null)).toBe(false);
    expect(where({ missing: { $in: ['x'] } }, md)).toBe(false);
    expect(where({ missing: { $contains: 'x' } }, md)).toBe(false);
  });

  it('$ne matches another type and array values', () => {
    expect(where({ i: { $ne: '3' } }, md)).toBe(true);
    expect(where({ tags: { $ne: 'red' } }, md)).toBe(true);
    expect(where({ tags: { $eq: 'red' } }, md)).toBe(false);
  });

  it('range operators take numbers only and skip other types', () => {
    expect(where({ i: { $gt: 2 } }, md)).toBe(true);
    expect(where({ i: { $gt: 3 } }, md)).toBe(false);
    expect(where({ i: { $gte: 3 } }, md)).toBe(true);
    expect(where({ f: { $lt: 2.6 } }, md)).toBe(true);
    expect(where({ f: { $lte: 2.4 } }, md)).toBe(false);
    expect(where({ s: { $gt: 0 } }, md)).toBe(false);
    expect(where({ b: { $gte: 0 } }, md)).toBe(false);
    expect(where({ nums: { $gt: 0 } }, md)).toBe(false);
  });

  it('$in/$nin test a scalar against the list', () => {
    expect(where({ s: { $in: ['pear', 'apple'] } }, md)).toBe(true);
    expect(where({ i: { $in: [1.0, 3.0] } }, md)).toBe(true);
    expect(where({ i: { $nin: [1, 2] } }, md)).toBe(true);
    expect(where({ b: { $in: [1] } }, md)).toBe(false);
    expect(where({ tags: { $in: ['red'] } }, md)).toBe(false);
  });

  it('$contains tests membership in an array; a scalar contains nothing (chroma run 1.5.9)', () => {
    expect(where({ tags: { $contains: 'red' } }, md)).toBe(true);
    expect(where({ tags: { $contains: 'blue' } }, md)).toBe(false);
    expect(where({ tags: { $not_contains: 'blue' } }, md)).toBe(true);
    expect(where({ nums: { $contains: 2 } }, md)).toBe(true);
    expect(where({ nums: { $contains: '2' } }, md)).toBe(false);
    expect(where({ flags: { $contains: false } }, md)).toBe(true);
    expect(where({ s: { $contains: 'apple' } }, md)).toBe(false);
    expect(where({ s: { $not_contains: 'apple' } }, md)).toBe(true);
    expect(where({ s: { $contains: 'app' } }, md)).toBe(false); // not a substring search
  });

  it('never reads inherited properties', () => {
    expect(where({ constructor: { $ne: 'x' } }, {})).toBe(true);
    expect(where({ toString: { $contains: 'x' } }, {})).toBe(false);
    const proto = JSON.parse('{"__proto__": "p"}') as Metadata;
    expect(where(JSON.parse('{"__proto__": "p"}'), proto)).toBe(true);
    expect(where(JSON.parse('{"__proto__": "p"}'), {})).toBe(false);
  });

  it('#document predicates look at the document', () => {
    expect(where({ '#document': { $contains: 'pie' } }, null, 'apple pie')).toBe(true);
    expect(where({ '#document': { $not_contains: 'pie' } }, null, null)).toBe(true);
    expect(where({ '#document': { $regex: '^apple' } }, null, 'apple pie')).toBe(true);
    expect(where({ '#document': { $not_regex: '^apple' } }, null, null)).toBe(true);
  });

  it('$and/$or combine; empty $and is true, empty $or is false', () => {
    expect(where({ $and: [{ i: 3 }, { s: 'apple' }] }, md)).toBe(true);
    expect(where({ $and: [{ i: 3 }, { s: 'pear' }] }, md)).toBe(false);
    expect(where({ $or: [{ i: 4 }, { s: 'apple' }] }, md)).toBe(true);
    expect(where({ $and: [] }, md)).toBe(true);
    expect(where({ $or: [] }, md)).toBe(false);
  });
});

describe('matchesWhereDocument', () => {
  it('is case-sensitive substring search; records without a document match only negations', () => {
    expect(whereDoc({ $contains: 'Pie' }, 'apple pie')).toBe(false);
    expect(whereDoc({ $contains: 'pie' }, 'apple pie')).toBe(true);
    expect(whereDoc({ $contains: '' }, 'x')).toBe(true);
    expect(whereDoc({ $contains: 'x' }, null)).toBe(false);
    expect(whereDoc({ $not_contains: 'x' }, null)).toBe(true);
    expect(whereDoc({ $regex: '.*' }, null)).toBe(false);
    expect(whereDoc({ $not_regex: 'x' }, null)).toBe(true);
    expect(whereDoc({ $regex: '(?i)APPLE' }, 'apple pie')).toBe(true);
    expect(whereDoc({ $or: [{ $contains: 'z' }, { $regex: 'e$' }] }, 'apple pie')).toBe(true);
  });

  it('combines with where by AND', () => {
    const w = parseWhere({ a: 1 });
    const d = parseWhereDocument({ $contains: 'x' });
    expect(matchesFilters(w, d, { a: 1 }, 'x')).toBe(true);
    expect(matchesFilters(w, d, { a: 1 }, 'y')).toBe(false);
    expect(matchesFilters(undefined, undefined, null, null)).toBe(true);
  });
});

describe('predicate counting', () => {
  it('counts leaves, not connectives', () => {
    expect(countWherePredicates(parseWhere({ a: 1 }))).toBe(1);
    expect(
      countWherePredicates(
        parseWhere({
          $and: [{ a: 1 }, { $or: [{ b: { $in: [1, 2] } }, { '#document': { $contains: 'x' } }] }],
        }),
      ),
    ).toBe(3);
    expect(countWherePredicates(parseWhere({ $and: [] }))).toBe(0);
    expect(
      countWhereDocumentPredicates(
        parseWhereDocument({
          $or: [{ $contains: 'a' }, { $and: [{ $regex: 'b' }, { $contains: 'c' }] }],
        }),
      ),
    ).toBe(3);
  });
});

// ---- Property tests: the evaluator against an independent oracle on the raw JSON. ----

// Small pools, so that generated filters often hit (and just miss) generated metadata.
const KEYS = ['a', 'b'];
const STRINGS = ['x', 'y'];
const NUMBERS = [0, 1, 1.5];
const scalarArb: fc.Arbitrary<MetadataScalar> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.boolean(),
);
const valueArb: fc.Arbitrary<MetadataValue> = fc.oneof(
  { arbitrary: scalarArb, weight: 4 },
  fc.array(fc.constantFrom(...STRINGS), { minLength: 1, maxLength: 3 }),
  fc.array(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 3 }),
  fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }),
);
const metadataArb: fc.Arbitrary<Metadata | null> = fc.option(
  fc.dictionary(fc.constantFrom(...KEYS), valueArb, { maxKeys: 3 }),
);
const DOCS = ['apple pie', 'Apple', 'banana', 'pineapple'];
const REGEXES: Record<string, (d: string) => boolean> = {
  '^a': (d) => d.startsWith('a'),
  e$: (d) => d.endsWith('e'),
  '(?i)apple': (d) => d.toLowerCase().includes('apple'),
  'an+a': (d) => /an+a/.test(d),
};
const documentArb = fc.option(fc.constantFrom(...DOCS));
const docPredicateArb = fc.oneof(
  fc.record({
    op: fc.constantFrom('$contains', '$not_contains'),
    p: fc.constantFrom('apple', 'an', 'pie', 'A'),
  }),
  fc.record({
    op: fc.constantFrom('$regex', '$not_regex'),
    p: fc.constantFrom(...Object.keys(REGEXES)),
  }),
);

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ k: fc.constantFrom(...KEYS), v: scalarArb }).map(({ k, v }) => ({ [k]: v })),
  fc
    .record({
      k: fc.constantFrom(...KEYS),
      op: fc.constantFrom('$eq', '$ne', '$contains', '$not_contains'),
      v: scalarArb,
    })
    .map(({ k, op, v }) => ({ [k]: { [op]: v } })),
  fc
    .record({
      k: fc.constantFrom(...KEYS),
      op: fc.constantFrom('$gt', '$gte', '$lt', '$lte'),
      v: fc.constantFrom(...NUMBERS),
    })
    .map(({ k, op, v }) => ({ [k]: { [op]: v } })),
  fc
    .record({
      k: fc.constantFrom(...KEYS),
      op: fc.constantFrom('$in', '$nin'),
      v: fc.oneof(
        fc.array(fc.constantFrom(...STRINGS), { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }),
      ),
    })
    .map(({ k, op, v }) => ({ [k]: { [op]: v } })),
  docPredicateArb.map(({ op, p }) => ({ '#document': { [op]: p } })),
);
const whereArb: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc
      .record({
        op: fc.constantFrom('$and', '$or'),
        children: fc.array(tie('node'), { maxLength: 3 }),
      })
      .map(({ op, children }) => ({ [op]: children })),
  ),
})).node;
const whereDocumentArb: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    docPredicateArb.map(({ op, p }) => ({ [op]: p })),
    fc
      .record({
        op: fc.constantFrom('$and', '$or'),
        children: fc.array(tie('node'), { maxLength: 3 }),
      })
      .map(({ op, children }) => ({ [op]: children })),
  ),
})).node;

/** The document semantics, stated directly. */
function oracleDocument(op: string, pattern: string, doc: string | null): boolean {
  const hit =
    doc !== null && (op.endsWith('contains') ? doc.includes(pattern) : REGEXES[pattern]!(doc));
  return op.startsWith('$not_') ? !hit : hit;
}

/** Chroma's where semantics, stated directly on the JSON (docs/chroma-api.md). */
function oracleWhere(json: unknown, md: Metadata | null, doc: string | null): boolean {
  const [key, value] = Object.entries(json as Record<string, unknown>)[0]!;
  if (key === '$and') return (value as unknown[]).every((c) => oracleWhere(c, md, doc));
  if (key === '$or') return (value as unknown[]).some((c) => oracleWhere(c, md, doc));
  if (key === '#document') {
    const [op, pattern] = Object.entries(value as object)[0]! as [string, string];
    return oracleDocument(op, pattern, doc);
  }
  const stored: unknown = md !== null && key in md ? md[key] : undefined;
  const [op, operand] =
    typeof value === 'object'
      ? Object.entries(value as Record<string, unknown>)[0]!
      : ['$eq', value];
  const scalar = stored !== undefined && !Array.isArray(stored);
  const same = (x: unknown, y: unknown) => typeof x === typeof y && x === y;
  // chroma run 1.5.9: only an array contains anything.
  const asList: unknown[] = Array.isArray(stored) ? stored : [];
  switch (op) {
    case '$eq':
      return scalar && same(stored, operand);
    case '$ne':
      return !(scalar && same(stored, operand));
    case '$gt':
      return typeof stored === 'number' && stored > (operand as number);
    case '$gte':
      return typeof stored === 'number' && stored >= (operand as number);
    case '$lt':
      return typeof stored === 'number' && stored < (operand as number);
    case '$lte':
      return typeof stored === 'number' && stored <= (operand as number);
    case '$in':
      return scalar && (operand as unknown[]).some((x) => same(x, stored));
    case '$nin':
      return !(scalar && (operand as unknown[]).some((x) => same(x, stored)));
    case '$contains':
      return asList.some((x) => same(x, operand));
    case '$not_contains':
      return !asList.some((x) => same(x, operand));
    default:
      throw new Error(`oracle: unexpected operator ${op}`);
  }
}

function oracleWhereDocument(json: unknown, doc: string | null): boolean {
  const [op, operand] = Object.entries(json as Record<string, unknown>)[0]!;
  if (op === '$and') return (operand as unknown[]).every((c) => oracleWhereDocument(c, doc));
  if (op === '$or') return (operand as unknown[]).some((c) => oracleWhereDocument(c, doc));
  return oracleDocument(op, operand as string, doc);
}

describe('filter properties', () => {
  it('matchesWhere agrees with the oracle', () => {
    fc.assert(
      fc.property(whereArb, metadataArb, documentArb, (json, md, doc) => {
        expect(matchesWhere(parseWhere(json), md, doc)).toBe(oracleWhere(json, md, doc));
      }),
      { numRuns: 5000 },
    );
  });

  it('matchesWhereDocument agrees with the oracle', () => {
    fc.assert(
      fc.property(whereDocumentArb, documentArb, (json, doc) => {
        expect(matchesWhereDocument(parseWhereDocument(json), doc)).toBe(
          oracleWhereDocument(json, doc),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('the negated operators are exact complements', () => {
    const pairs = [
      ['$eq', '$ne'],
      ['$contains', '$not_contains'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), scalarArb, metadataArb, (k, v, md) => {
        for (const [pos, neg] of pairs) {
          expect(where({ [k]: { [pos!]: v } }, md)).toBe(!where({ [k]: { [neg!]: v } }, md));
        }
        expect(where({ [k]: { $in: [v] } }, md)).toBe(!where({ [k]: { $nin: [v] } }, md));
      }),
    );
  });

  it('serializing and parsing again gives the same filter', () => {
    fc.assert(
      fc.property(whereArb, (json) => {
        const node = parseWhere(json);
        const again = parseWhere(JSON.parse(JSON.stringify(whereToJson(node))));
        expect(again).toEqual(node);
        expect(countWherePredicates(again)).toBe(countWherePredicates(node));
      }),
    );
    fc.assert(
      fc.property(whereDocumentArb, (json) => {
        const node = parseWhereDocument(json);
        expect(parseWhereDocument(JSON.parse(JSON.stringify(whereDocumentToJson(node))))).toEqual(
          node,
        );
        expect(whereDocumentToJson(node)).toEqual(json);
      }),
    );
  });
});
