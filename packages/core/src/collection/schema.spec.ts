import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnprocessableEntityError } from '../errors.js';
import { resolveConfiguration } from './configuration.js';
import {
  defaultSchema,
  isDefaultSchema,
  reconcileSchema,
  schemaOfConfiguration,
  validateSchema,
} from './schema.js';
import { schemaJson } from './schema-json.js';
import { readSchema } from './schema-types.js';

// Messages are Chroma 1.5.9's answers to POST /collections {"name", "schema": <schema>}.

const vi = (config: object, enabled = false) => ({
  float_list: { vector_index: { enabled, config } },
});
const inv = (type: 'string' | 'int' | 'float' | 'bool', enabled: boolean) => ({
  [type]: { [`${type}_inverted_index`]: { enabled, config: {} } },
});
const sparse = (enabled: boolean, config: object = {}) => ({
  sparse_vector: { sparse_vector_index: { enabled, config } },
});
const fts = (enabled: boolean) => ({ string: { fts_index: { enabled, config: {} } } });
const schema = (defaults: object = {}, keys: object = {}, more: object = {}) => ({
  defaults,
  keys,
  ...more,
});

describe('validateSchema: Chroma 400 "Validation error: schema: ..."', () => {
  it.each<[string, object, string]>([
    [
      'vector index enabled in defaults',
      schema(vi({}, true)),
      'Vector index cannot be enabled by default. It can only be enabled on #embedding field.',
    ],
    [
      'hnsw and spann in defaults',
      schema(vi({ hnsw: {}, spann: {} })),
      'Both spann and hnsw config cannot be present at the same time.',
    ],
    [
      'sparse index enabled in defaults',
      schema(sparse(true)),
      'Sparse vector index cannot be enabled by default. Please enable sparse vector index on specific keys. At most one sparse vector index is allowed for the collection.',
    ],
    [
      'fts enabled in defaults',
      schema(fts(true)),
      'Full text search / regular expression index cannot be enabled by default. It can only be enabled on #document field.',
    ],
    [
      'a key starting with #',
      schema({}, { '#foo': {} }),
      "key cannot begin with '#'. Keys starting with '#' are reserved for system use: #foo",
    ],
    [
      '#document with another type',
      schema({}, { '#document': inv('int', true) }),
      'Document field cannot have any value types other than string: #document',
    ],
    [
      '#embedding with another type',
      schema({}, { '#embedding': inv('string', true) }),
      'Embedding field cannot have any value types other than float_list: #embedding',
    ],
    [
      'vector index enabled on a key',
      schema({}, { x: vi({}, true) }),
      'Vector index can only be enabled on #embedding field: x',
    ],
    [
      'vector index sourced from another key',
      schema({}, { '#embedding': vi({ source_key: 'x' }, true) }),
      'Vector index can only source from #document',
    ],
    [
      'two sparse indexes',
      schema({}, { a: sparse(true), b: sparse(true) }),
      'At most one sparse vector index is allowed for the collection: ["a", "b"]',
    ],
    [
      'a sparse source key without an embedding function',
      schema({}, { a: sparse(true, { source_key: 'b' }) }),
      'If source_key is provided then embedding_function must also be provided since there is no default embedding function.',
    ],
    [
      'a sparse source key starting with #',
      schema({}, { a: sparse(false, { source_key: '#x' }) }),
      "source_key cannot begin with '#'. The only valid key starting with '#' is Key.DOCUMENT or '#document'.",
    ],
    [
      'fts on a key',
      schema({}, { x: fts(true) }),
      'Full text search / regular expression index can only be enabled on #document field: x',
    ],
    [
      'string inverted index on #document',
      schema({}, { '#document': inv('string', true) }),
      'String inverted index can not be enabled on #document key: #document',
    ],
    [
      'a malformed CMEK',
      schema({}, {}, { cmek: { gcp: 'nope' } }),
      'CMEK does not match expected pattern: Gcp("nope")',
    ],
    [
      'source_attached_function_id',
      schema({}, {}, { source_attached_function_id: 'x' }),
      'Cannot set source_attached_function_id. This field is reserved for system use.',
    ],
  ])('refuses %s', (_label, value, message) => {
    expect(() => validateSchema(readSchema(value))).toThrow(
      new InvalidArgumentError(`Validation error: schema: ${message}`),
    );
  });

  it('accepts what Chroma accepts', () => {
    for (const value of [
      schema(),
      schema({}, { x: vi({}) }),
      schema({}, { '#document': fts(false) }),
      schema({}, { a: sparse(true) }), // refused later: no sparse index in HueDB
      schema({}, {}, { cmek: { gcp: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' } }),
      schema({}, { '#embedding': vi({ hnsw: {}, spann: {} }, true) }),
    ]) {
      expect(() => validateSchema(readSchema(value)), JSON.stringify(value)).not.toThrow();
    }
  });
});

describe('readSchema: Chroma 422 on a bad shape', () => {
  const EMB = 'schema.keys.#embedding.float_list.vector_index.config';
  it.each<[unknown, string]>([
    [{ keys: {} }, 'schema: missing field `defaults`'],
    [{ defaults: {} }, 'schema: missing field `keys`'],
    [
      { defaults: 5, keys: {} },
      'schema.defaults: invalid type: integer `5`, expected struct ValueTypes',
    ],
    [
      { defaults: null, keys: {} },
      'schema.defaults: invalid type: null, expected struct ValueTypes',
    ],
    [{ defaults: {}, keys: [] }, 'schema.keys: invalid type: sequence, expected a map'],
    [
      { defaults: {}, keys: { x: 5 } },
      'schema.keys.x: invalid type: integer `5`, expected struct ValueTypes',
    ],
    [
      schema({ string: 5 }),
      'schema.defaults.string: invalid type: integer `5`, expected struct StringValueType',
    ],
    [
      schema({ string: { string_inverted_index: { config: {} } } }),
      'schema.defaults.string.string_inverted_index: missing field `enabled`',
    ],
    [
      schema({ string: { string_inverted_index: { enabled: false } } }),
      'schema.defaults.string.string_inverted_index: missing field `config`',
    ],
    [
      schema({ string: { string_inverted_index: { enabled: false, config: { a: 1 } } } }),
      'schema.defaults.string.string_inverted_index.config.a: unknown field `a`, there are no fields',
    ],
    [
      schema({ string: { string_inverted_index: { enabled: 'yes', config: {} } } }),
      'schema.defaults.string.string_inverted_index.enabled: invalid type: string "yes", expected a boolean',
    ],
    [
      schema({ string: { fts_index: { enabled: true, config: null } } }),
      'schema.defaults.string.fts_index.config: invalid type: null, expected struct FtsIndexConfig',
    ],
    [
      schema({}, { '#embedding': vi({ hnsw: { foo: 1 } }, true) }),
      `${EMB}.hnsw.foo: unknown field \`foo\`, expected one of \`ef_construction\`, \`max_neighbors\`, \`ef_search\`, \`num_threads\`, \`batch_size\`, \`sync_threshold\`, \`resize_factor\``,
    ],
    [
      schema({}, { '#embedding': vi({ foo: 1 }, true) }),
      `${EMB}.foo: unknown field \`foo\`, expected one of \`space\`, \`embedding_function\`, \`source_key\`, \`hnsw\`, \`spann\``,
    ],
    [
      schema({}, { '#embedding': vi({ space: 'bad' }, true) }),
      `${EMB}.space: unknown variant \`bad\`, expected one of \`l2\`, \`cosine\`, \`ip\``,
    ],
    [
      schema({}, { '#embedding': vi({ embedding_function: { foo: 1 } }, true) }),
      `${EMB}.embedding_function: missing field \`type\``,
    ],
    [
      schema({}, { '#embedding': vi({ source_key: 5 }, true) }),
      `${EMB}.source_key: invalid type: integer \`5\`, expected a string`,
    ],
    [
      schema({}, { '#embedding': vi({ spann: { quantize: 'bad' } }, true) }),
      `${EMB}.spann.quantize: unknown variant \`bad\`, expected \`none\` or \`four_bit_rabit_q_with_u_search\``,
    ],
    [
      schema({}, { a: sparse(false, { algorithm: 'bad' }) }),
      'schema.keys.a.sparse_vector.sparse_vector_index.config.algorithm: unknown variant `bad`, expected `wand` or `max_score`',
    ],
    [
      schema({}, { a: sparse(false, { foo: 1 }) }),
      'schema.keys.a.sparse_vector.sparse_vector_index.config.foo: unknown field `foo`, expected one of `embedding_function`, `source_key`, `bm25`, `algorithm`',
    ],
    [schema({}, {}, { cmek: { aws: 'x' } }), 'schema.cmek: unknown variant `aws`, expected `gcp`'],
    [
      schema({}, {}, { cmek: { gcp: 5 } }),
      'schema.cmek.gcp: invalid type: integer `5`, expected a string',
    ],
  ])('%j', (value, reason) => {
    expect(() => readSchema(value)).toThrow(
      new UnprocessableEntityError(
        `Failed to deserialize the JSON body into the target type: ${reason}`,
      ),
    );
  });

  it('ignores unknown value types, indexes and top-level fields; reads the old aliases', () => {
    expect(readSchema({ defaults: { foo: {} }, keys: {}, foo: 1 })).toEqual(schema());
    expect(
      readSchema({
        defaults: { '#string': { $string_inverted_index: { enabled: false, config: {} } } },
        key_overrides: { x: { int: null } },
      }),
    ).toEqual(schema(inv('string', false), { x: {} }));
  });
});

describe('reconcileSchema and the schema defaults', () => {
  const none = resolveConfiguration(undefined, undefined);

  it('calls empty, default-equal and Python-default schemas default, anything else not', () => {
    expect(isDefaultSchema(readSchema(schema()))).toBe(true);
    expect(isDefaultSchema(defaultSchema())).toBe(true);
    expect(isDefaultSchema(schemaOfConfiguration(none))).toBe(true);
    expect(isDefaultSchema(readSchema(schema({}, { x: {} })))).toBe(false);
    expect(isDefaultSchema(readSchema(schema(inv('int', false))))).toBe(false);
    expect(isDefaultSchema(readSchema(schema({}, { '#document': fts(false) })))).toBe(false);
    // #embedding must name its source to be default.
    expect(isDefaultSchema(readSchema(schema({}, { '#embedding': vi({}, true) })))).toBe(false);
    expect(
      isDefaultSchema(
        readSchema(
          schema({}, { '#embedding': vi({ source_key: '#document', space: 'l2' }, true) }),
        ),
      ),
    ).toBe(true);
  });

  it('keeps user key overrides as given, merges the system keys', () => {
    const out = reconcileSchema(
      readSchema(schema({}, { s: inv('string', false), '#document': fts(false) })),
      none,
    );
    expect(schemaJson(out).keys).toEqual({
      '#document': {
        string: {
          fts_index: { enabled: false, config: {} },
          string_inverted_index: { enabled: false, config: {} },
        },
      },
      '#embedding': (schemaJson(defaultSchema()).keys as Record<string, unknown>)['#embedding'],
      s: inv('string', false),
    });
  });

  it('does not change the schema it is given', () => {
    const input = readSchema(schema(inv('int', false)));
    const copy = structuredClone(input);
    reconcileSchema(input, none);
    expect(input).toEqual(copy);
  });
});
