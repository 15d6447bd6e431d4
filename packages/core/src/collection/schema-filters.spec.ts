import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { parseWhere, parseWhereDocument } from '../filters.js';
import { resolveConfiguration } from './configuration.js';
import { reconcileSchema } from './schema.js';
import { checkFiltersIndexed } from './schema-filters.js';
import { readSchema } from './schema-types.js';

// The collection Chroma 1.5.9 was probed with: inverted indexes off for s (string), i (int),
// f (float), b (bool), and full-text search off.
const off = (type: string) => ({
  [type]: { [`${type}_inverted_index`]: { enabled: false, config: {} } },
});
const schema = reconcileSchema(
  readSchema({
    defaults: {},
    keys: {
      s: off('string'),
      i: off('int'),
      f: off('float'),
      b: off('bool'),
      '#document': { string: { fts_index: { enabled: false, config: {} } } },
    },
  }),
  resolveConfiguration(undefined, undefined),
);
const check = (where?: object, whereDocument?: object) =>
  checkFiltersIndexed(
    schema,
    where && parseWhere(where),
    whereDocument && parseWhereDocument(whereDocument),
  );
const disabled = (key: string, type: string) =>
  new InvalidArgumentError(
    `Cannot filter using metadata key '${key}' with type '${type}' because indexing is disabled`,
  );
const FTS = new InvalidArgumentError(
  'Cannot filter using full-text search because FTS indexing is disabled',
);

describe('checkFiltersIndexed', () => {
  it('refuses a filter on a disabled index with Chroma message, whatever the operator', () => {
    for (const where of [
      { s: 'a' },
      { s: { $ne: 'a' } },
      { s: { $in: ['a'] } },
      { s: { $contains: 'a' } },
      { $and: [{ o: 'z' }, { s: 'a' }] },
      { $or: [{ s: 'a' }, { i: 1 }] },
    ]) {
      expect(() => check(where), JSON.stringify(where)).toThrow(disabled('s', 'Str'));
    }
    expect(() => check({ i: { $gt: 0 } })).toThrow(disabled('i', 'Int'));
    expect(() => check({ f: 1.5 })).toThrow(disabled('f', 'Float'));
    expect(() => check({ b: true })).toThrow(disabled('b', 'Bool'));
  });

  it('looks at the compared value type: other types of the key use the defaults', () => {
    for (const where of [{ s: 1 }, { i: 'x' }, { f: 2 }, { o: 'z' }, { b: { $in: [1, 2] } }]) {
      expect(() => check(where), JSON.stringify(where)).not.toThrow();
    }
  });

  it('refuses document filters when full-text search is off', () => {
    expect(() => check(undefined, { $contains: 'hello' })).toThrow(FTS);
    expect(() => check({ '#document': { $contains: 'hello' } })).toThrow(FTS);
    expect(() => check(undefined, { $regex: 'h.*' })).toThrow(FTS);
  });

  it('allows everything on a default schema', () => {
    const open = reconcileSchema(undefined, resolveConfiguration(undefined, undefined));
    expect(() =>
      checkFiltersIndexed(open, parseWhere({ s: 'a' }), parseWhereDocument({ $contains: 'x' })),
    ).not.toThrow();
  });
});
