import { describe, expect, it } from 'vitest';
import { embeddingToBase64 } from './embeddings.js';
import { InvalidArgumentError, QuotaExceededError, UnprocessableEntityError } from './errors.js';
import {
  DEFAULT_GET_INCLUDE,
  FREE_LIMITS,
  PRO_LIMITS,
  LIMIT_PROFILES,
  UNLIMITED_LIMITS,
  DEFAULT_QUERY_INCLUDE,
  parseCount,
  parseInclude,
  validateCollectionMetadata,
  validateCollectionName,
  validateDatabaseName,
  validateDocument,
  validateIds,
  validateMetadata,
  validateName,
  validateNResults,
  validateRecordBatch,
  validateRecordId,
  validateTenantName,
  validateUpdateMetadata,
  type Limits,
} from './validation.js';

describe('names', () => {
  it.each(['abc', 'my-collection_1.v2', 'A1b', 'x'.repeat(512), '1.2.3', '256.1.1.1', '01.1.1.1'])(
    'accepts %s',
    (name) => {
      expect(validateName(name)).toBe(name);
    },
  );

  it.each([
    ['ab', '3-512 characters'],
    ['x'.repeat(513), '3-512 characters'],
    ['-abc', 'starting and ending with a character in [a-zA-Z0-9]'],
    ['abc_', 'starting and ending'],
    ['a b c', 'from [a-zA-Z0-9._-]'],
    ['ab..c', 'two consecutive periods (..)'],
    ['192.168.1.1', 'not a valid ip address'],
    ['0.0.0.0', 'not a valid ip address'],
    ['näme', '3-512 characters'],
  ])("rejects %s with Chroma's message", (name, message) => {
    expect(() => validateName(name)).toThrow(InvalidArgumentError);
    expect(() => validateName(name)).toThrow(message);
    expect(() => validateName(name)).toThrow(/^Validation error: name: Expected a name/);
  });

  it('answers 422 for a name that is not a string', () => {
    expect(() => validateCollectionName(5)).toThrow(UnprocessableEntityError);
    expect(() => validateTenantName(null)).toThrow('tenant name');
    expect(validateDatabaseName('default_database')).toBe('default_database');
  });
});

describe('ids', () => {
  it('needs strings; writes need non-empty ones; duplicates are fine', () => {
    expect(validateIds(['a', 'a'])).toEqual(['a', 'a']);
    expect(validateIds([])).toEqual([]);
    expect(() => validateIds(['a', ''])).toThrow('Empty ID, ID must have at least one character');
    expect(validateIds([''], false)).toEqual(['']);
    expect(() => validateIds('a')).toThrow(UnprocessableEntityError);
    expect(() => validateIds(['a', 1])).toThrow(UnprocessableEntityError);
    expect(() => validateRecordId(3, 2)).toThrow('at index 2');
  });
});

describe('metadata', () => {
  it('accepts scalars, homogeneous lists and the empty object', () => {
    const m = { s: 'x', i: 1, f: 1.5, b: false, l: ['a', 'b'], n: [1, 2.5], t: [true] };
    expect(validateMetadata(m)).toEqual(m);
    expect(validateMetadata({})).toEqual({});
    expect(validateUpdateMetadata({ gone: null, s: 'x' })).toEqual({ gone: null, s: 'x' });
  });

  it('returns a copy', () => {
    const m = { l: ['a'] };
    const copy = validateMetadata(m);
    m.l.push('b');
    expect(copy).toEqual({ l: ['a'] });
  });

  it('accepts keys named like Object.prototype members, __proto__ included (as Chroma)', () => {
    const m = JSON.parse('{"__proto__": "x", "constructor": 1, "toString": true}') as object;
    const copy = validateMetadata(m);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.entries(copy)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 1],
      ['toString', true],
    ]);
    expect(validateUpdateMetadata(JSON.parse('{"__proto__": null}'))).toEqual(
      JSON.parse('{"__proto__": null}'),
    );
    expect(validateCollectionMetadata(m)['__proto__']).toBe('x');
  });

  it.each([
    [{ '': 1 }, InvalidArgumentError, 'Metadata key cannot be empty'],
    [{ '#doc': 1 }, InvalidArgumentError, "Metadata key cannot start with '#' or '$': #doc"],
    [{ $x: 1 }, InvalidArgumentError, "cannot start with '#' or '$'"],
    [{ k: [] }, InvalidArgumentError, "Expected metadata list value for key 'k' to be non-empty"],
    [{ k: ['a', 1] }, UnprocessableEntityError, 'same type'],
    [{ k: [[1]] }, UnprocessableEntityError, 'same type'],
    [{ k: { a: 1 } }, UnprocessableEntityError, 'got object'],
    [{ k: null }, UnprocessableEntityError, 'got null'],
    [[], UnprocessableEntityError, 'to be a dict'],
    ['m', UnprocessableEntityError, 'to be a dict'],
  ])('rejects %j', (m, type, message) => {
    expect(() => validateMetadata(m)).toThrow(type);
    expect(() => validateMetadata(m)).toThrow(message);
  });

  it('enforces the key count and string sizes when given limits', () => {
    const limits: Limits = { ...PRO_LIMITS, maxMetadataKeys: 2, maxMetadataValueBytes: 4 };
    expect(() => validateMetadata({ a: 1, b: 2, c: 3 }, limits)).toThrow(QuotaExceededError);
    expect(() => validateMetadata({ a: 1, b: 2, c: 3 }, limits, { action: 'Upsert' })).toThrow(
      "Quota exceeded: 'Number of metadata dictionary keys' exceeded quota limit for action 'Upsert': current usage of 3 exceeds limit of 2",
    );
    expect(() => validateMetadata({ s: 'ééé' }, limits)).toThrow('current usage of 6');
    expect(() => validateMetadata({ s: ['abc', 'de'] }, limits)).toThrow(QuotaExceededError);
    expect(validateMetadata({ s: 'abcd', t: [1, 2, 3, 4, 5] }, limits)).toBeTruthy();
  });

  it('collection metadata is non-empty and scalar', () => {
    expect(validateCollectionMetadata({ 'hnsw:space': 'cosine' })).toEqual({
      'hnsw:space': 'cosine',
    });
    expect(() => validateCollectionMetadata({})).toThrow('Metadata cannot be empty');
    expect(() => validateCollectionMetadata({ l: [1] })).toThrow(InvalidArgumentError);
    expect(() => validateCollectionMetadata({ k: null })).toThrow(UnprocessableEntityError);
  });
});

describe('documents, include and counts', () => {
  it('limits document size in UTF-8 bytes', () => {
    const limits: Limits = { ...PRO_LIMITS, maxDocumentBytes: 4 };
    expect(() => validateDocument('abcd', limits)).not.toThrow();
    expect(() => validateDocument('abcé', limits, 'Update')).toThrow(
      "'Document size (bytes)' exceeded quota limit for action 'Update': current usage of 5",
    );
  });

  it('parses include with defaults and answers 422 for unknown values', () => {
    expect(parseInclude(undefined, DEFAULT_GET_INCLUDE)).toEqual(['documents', 'metadatas']);
    expect(parseInclude(null, DEFAULT_QUERY_INCLUDE)).toEqual([
      'documents',
      'metadatas',
      'distances',
    ]);
    expect(parseInclude([], DEFAULT_GET_INCLUDE)).toEqual([]);
    expect(parseInclude(['uris', 'embeddings', 'uris'], DEFAULT_GET_INCLUDE)).toEqual([
      'uris',
      'embeddings',
    ]);
    expect(() => parseInclude(['documents', 'ids'], DEFAULT_GET_INCLUDE)).toThrow(
      'include[1]: unknown variant `ids`, expected one of `distances`, `documents`, `embeddings`, `metadatas`, `uris`',
    );
    expect(() => parseInclude('documents', DEFAULT_GET_INCLUDE)).toThrow(UnprocessableEntityError);
    expect(() => parseInclude([1], DEFAULT_GET_INCLUDE)).toThrow(UnprocessableEntityError);
  });

  it('parses counts and n_results', () => {
    expect(parseCount(undefined, 'limit', undefined)).toBeUndefined();
    expect(parseCount(5, 'offset', 0)).toBe(5);
    expect(() => parseCount(-1, 'limit', undefined)).toThrow(UnprocessableEntityError);
    expect(() => parseCount(1.5, 'limit', undefined)).toThrow(UnprocessableEntityError);
    expect(() => parseCount('3', 'limit', undefined)).toThrow(UnprocessableEntityError);
    expect(validateNResults(undefined, PRO_LIMITS)).toBe(10);
    expect(validateNResults(300, PRO_LIMITS)).toBe(300);
    expect(() => validateNResults(301, PRO_LIMITS)).toThrow(
      "'Number of results' exceeded quota limit for action 'Query'",
    );
  });

  it('ships a free plan with Chroma Cloud’s published quotas, and a pro plan above it', () => {
    expect(FREE_LIMITS).toMatchObject({
      maxDimension: 4096,
      maxDocumentBytes: 16_384,
      maxMetadataValueBytes: 4096,
      maxMetadataKeys: 32,
      maxWherePredicates: 8,
      maxQueryResults: 300,
      maxBatchSize: 300,
      maxIdBytes: 128,
      maxCollectionsPerTenant: 1_000_000,
      maxRecordsPerCollection: 5_000_000,
    });
    expect(PRO_LIMITS).toMatchObject({
      maxDocumentBytes: 16384,
      maxMetadataValueBytes: 8192,
      maxBatchSize: 1000,
      preflightMaxBatchSize: 1000,
    });
    for (const plan of [FREE_LIMITS, PRO_LIMITS, UNLIMITED_LIMITS]) {
      expect(Object.isFrozen(plan)).toBe(true);
      expect(Object.keys(plan)).toEqual(Object.keys(PRO_LIMITS));
    }
    // Every limit of the paid plan is at least the free one's.
    for (const name of Object.keys(FREE_LIMITS) as (keyof Limits)[]) {
      expect(PRO_LIMITS[name]).toBeGreaterThanOrEqual(FREE_LIMITS[name]);
    }
    expect(LIMIT_PROFILES).toEqual({
      free: FREE_LIMITS,
      pro: PRO_LIMITS,
      unlimited: UNLIMITED_LIMITS,
    });
  });

  it('refuses ids over the plan’s id size in UTF-8 bytes, and only those', () => {
    const opts = { limits: FREE_LIMITS, collectionDimension: null };
    const batch = (id: string) => ({ ids: [id], embeddings: [[1]] });
    expect(validateRecordBatch('add', batch('a'.repeat(128)), opts).ids).toHaveLength(1);
    // 43 × 3 bytes = 129: over, though only 43 characters.
    expect(() => validateRecordBatch('upsert', batch('€'.repeat(43)), opts)).toThrow(
      "Quota exceeded: 'ID size (bytes)' exceeded quota limit for action 'Upsert': current usage of 129 exceeds limit of 128",
    );
    expect(
      validateRecordBatch('add', batch('€'.repeat(1000)), { ...opts, limits: UNLIMITED_LIMITS })
        .ids,
    ).toHaveLength(1);
  });

  it('has an unlimited set, as chroma run enforces no plan limit', () => {
    const body = {
      ids: ['a'],
      embeddings: [new Array<number>(70_000).fill(0.5)],
      documents: ['x'.repeat(100_000)],
      metadatas: [
        {
          ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])),
          s: 'y'.repeat(50_000),
        },
      ],
    };
    const opts = { limits: UNLIMITED_LIMITS, collectionDimension: null };
    expect(validateRecordBatch('add', body, opts).dimension).toBe(70_000);
    expect(() => validateRecordBatch('add', body, { ...opts, limits: PRO_LIMITS })).toThrow(
      QuotaExceededError,
    );
    expect(validateNResults(4_294_967_295, UNLIMITED_LIMITS)).toBe(4_294_967_295);
    // Pre-flight must still advertise a number (JSON has no Infinity): chroma run's 5461.
    expect(UNLIMITED_LIMITS.preflightMaxBatchSize).toBe(5461);
    expect(LIMIT_PROFILES.unlimited).toBe(UNLIMITED_LIMITS);
  });
});

describe('validateRecordBatch', () => {
  const opts = { limits: PRO_LIMITS, collectionDimension: null };

  it('decodes a full add batch', () => {
    const batch = validateRecordBatch(
      'add',
      {
        ids: ['a', 'b'],
        embeddings: [[1, 2], embeddingToBase64(new Float32Array([3, 4]))],
        documents: ['doc', null],
        uris: [null, 'u'],
        metadatas: [{ k: 1 }, null],
      },
      opts,
    );
    expect(batch).toEqual({
      ids: ['a', 'b'],
      embeddings: [new Float32Array([1, 2]), new Float32Array([3, 4])],
      documents: ['doc', null],
      uris: [null, 'u'],
      metadatas: [{ k: 1 }, null],
      dimension: 2,
    });
  });

  it('lets update leave embeddings out or null, but not add or upsert', () => {
    expect(validateRecordBatch('update', { ids: ['a'], documents: ['d'] }, opts)).toMatchObject({
      embeddings: null,
      dimension: null,
    });
    expect(
      validateRecordBatch('update', { ids: ['a'], embeddings: [null] }, opts).embeddings,
    ).toEqual([null]);
    expect(() => validateRecordBatch('add', { ids: ['a'] }, opts)).toThrow(
      'missing field `embeddings`',
    );
    expect(() => validateRecordBatch('upsert', { ids: ['a'], embeddings: [null] }, opts)).toThrow(
      UnprocessableEntityError,
    );
    expect(() => validateRecordBatch('add', { embeddings: [] }, opts)).toThrow(
      'missing field `ids`',
    );
  });

  it('allows null metadata values only in update and upsert', () => {
    const body = { ids: ['a'], embeddings: [[1]], metadatas: [{ k: null }] };
    expect(validateRecordBatch('upsert', body, opts).metadatas).toEqual([{ k: null }]);
    expect(() => validateRecordBatch('add', body, opts)).toThrow(UnprocessableEntityError);
  });

  it.each([
    [
      { ids: ['a', 'b'], embeddings: [[1]] },
      'Inconsistent number of IDs, embeddings, documents, URIs and metadatas',
    ],
    [{ ids: ['a'], embeddings: [[1]], documents: [] }, 'Inconsistent number'],
    [{ ids: ['a'], embeddings: [[1]], metadatas: [{}, {}] }, 'Inconsistent number'],
    [{ ids: [''], embeddings: [[1]] }, 'Empty ID'],
    [
      { ids: ['a', 'b'], embeddings: [[1], [1, 2]] },
      'Inconsistent dimensions in provided embeddings',
    ],
    [{ ids: ['a'], embeddings: [[]] }, 'at least one dimension'],
    [{ ids: ['a'], embeddings: [[1e40]] }, 'finite'],
  ])('rejects %j with 400', (body, message) => {
    expect(() => validateRecordBatch('add', body, opts)).toThrow(InvalidArgumentError);
    expect(() => validateRecordBatch('add', body, opts)).toThrow(message);
  });

  it.each([
    [{ ids: 'a', embeddings: [[1]] }],
    [{ ids: ['a'], embeddings: 'AACAPw==' }],
    [{ ids: ['a'], embeddings: [[1]], documents: [1] }],
    [{ ids: ['a'], embeddings: [[1]], uris: 'u' }],
    [{ ids: ['a'], embeddings: [[1]], metadatas: ['m'] }],
  ])('rejects %j with 422', (body) => {
    expect(() => validateRecordBatch('add', body, opts)).toThrow(UnprocessableEntityError);
  });

  it("checks the collection's dimension", () => {
    expect(() =>
      validateRecordBatch(
        'add',
        { ids: ['a'], embeddings: [[1, 2]] },
        { ...opts, collectionDimension: 3 },
      ),
    ).toThrow('Collection expecting embedding with dimension of 3, got 2');
  });

  it('enforces the limits', () => {
    const limits: Limits = {
      ...PRO_LIMITS,
      maxBatchSize: 1,
      maxDimension: 2,
      maxDocumentBytes: 1,
    };
    const o = { limits, collectionDimension: null };
    expect(() =>
      validateRecordBatch('add', { ids: ['a', 'b'], embeddings: [[1], [1]] }, o),
    ).toThrow("'Number of records' exceeded quota limit for action 'Add'");
    expect(() => validateRecordBatch('upsert', { ids: ['a'], embeddings: [[1, 2, 3]] }, o)).toThrow(
      "'Embedding dimension' exceeded quota limit for action 'Upsert'",
    );
    expect(() => validateRecordBatch('update', { ids: ['a'], documents: ['ab'] }, o)).toThrow(
      QuotaExceededError,
    );
  });
});
