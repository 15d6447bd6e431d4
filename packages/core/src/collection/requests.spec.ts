import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnprocessableEntityError } from '../errors.js';
import type { Metadata } from '../types.js';
import { DEFAULT_NUM_THREADS, readConfigurationUpdate } from './configuration.js';
import { settingsForCreate, settingsForUpdate } from './requests.js';
import { collectionSettingsJson, parseCollectionSettings } from './settings.js';

// Expected values are what Chroma 1.5.9 (`chroma run`) answered to the same requests.

const HNSW = {
  ef_construction: 100,
  max_neighbors: 16,
  ef_search: 100,
  num_threads: DEFAULT_NUM_THREADS,
  batch_size: 100,
  sync_threshold: 1000,
  resize_factor: 1.2,
};
const CONFIG_HNSW = {
  space: 'l2',
  ef_construction: 100,
  ef_search: 100,
  max_neighbors: 16,
  resize_factor: 1.2,
  sync_threshold: 1000,
};

/** Chroma's schema for a collection created with only `space` (and `ef`) configured. */
function chromaSchema(
  space = 'l2',
  options: { ef?: object; defaultsSpace?: string; hnsw?: object } = {},
) {
  const hnsw = { ...HNSW, ...options.hnsw };
  const ef = options.ef ? { embedding_function: options.ef } : {};
  return {
    defaults: {
      string: {
        fts_index: { enabled: false, config: {} },
        string_inverted_index: { enabled: true, config: {} },
      },
      float_list: {
        vector_index: {
          enabled: false,
          config: { space: options.defaultsSpace ?? space, ...ef, hnsw },
        },
      },
      sparse_vector: {
        sparse_vector_index: {
          enabled: false,
          config: { embedding_function: { type: 'unknown' }, bm25: false },
        },
      },
      int: { int_inverted_index: { enabled: true, config: {} } },
      float: { float_inverted_index: { enabled: true, config: {} } },
      bool: { bool_inverted_index: { enabled: true, config: {} } },
    },
    keys: {
      '#document': {
        string: {
          fts_index: { enabled: true, config: {} },
          string_inverted_index: { enabled: false, config: {} },
        },
      },
      '#embedding': {
        float_list: {
          vector_index: {
            enabled: true,
            config: { space, ...ef, source_key: '#document', hnsw },
          },
        },
      },
    },
  };
}

const create = (request: Parameters<typeof settingsForCreate>[0]) =>
  collectionSettingsJson(parseCollectionSettings(settingsForCreate(request)));
const emb = (config: object) => ({
  defaults: {},
  keys: { '#embedding': { float_list: { vector_index: { enabled: true, config } } } },
});

describe('settingsForCreate: what configuration_json and schema a create returns', () => {
  it('nothing configured: the defaults', () => {
    expect(create({})).toEqual({
      configuration_json: { hnsw: CONFIG_HNSW, spann: null, embedding_function: null },
      schema: chromaSchema(),
    });
    expect(create({ schema: { defaults: {}, keys: {} } }).schema).toEqual(chromaSchema());
  });

  it('configuration only, legacy metadata only, and both (explicit configuration wins)', () => {
    const cosine = {
      configuration_json: {
        hnsw: { ...CONFIG_HNSW, space: 'cosine' },
        spann: null,
        embedding_function: null,
      },
      schema: chromaSchema('cosine'),
    };
    expect(create({ configuration: { hnsw: { space: 'cosine' } } })).toEqual(cosine);
    expect(create({ metadata: { 'hnsw:space': 'cosine' } })).toEqual(cosine);
    expect(
      create({ metadata: { 'hnsw:space': 'ip' }, configuration: { hnsw: { space: 'cosine' } } }),
    ).toEqual(cosine);
    // A non-default hnsw block wins entirely (the metadata's space is dropped).
    expect(
      create({ metadata: { 'hnsw:space': 'ip' }, configuration: { hnsw: { ef_search: 50 } } })
        .configuration_json.hnsw,
    ).toEqual({ ...CONFIG_HNSW, ef_search: 50 });
    // A default one (or none) lets the metadata decide.
    for (const configuration of [{}, { hnsw: { space: 'l2' } }, { hnsw: null }]) {
      expect(
        create({ metadata: { 'hnsw:space': 'ip', 'hnsw:M': 8 }, configuration }).configuration_json
          .hnsw,
      ).toEqual({ ...CONFIG_HNSW, space: 'ip', max_neighbors: 8 });
    }
  });

  it('a spann block keeps only its space (served with HNSW); hnsw and spann together are a 400', () => {
    expect(create({ configuration: { spann: { space: 'ip', search_nprobe: 1000 } } })).toEqual({
      configuration_json: {
        hnsw: { ...CONFIG_HNSW, space: 'ip' },
        spann: null,
        embedding_function: null,
      },
      schema: chromaSchema('ip'),
    });
    expect(() => create({ configuration: { hnsw: {}, spann: {} } })).toThrow(
      new InvalidArgumentError('Multiple vector index configurations provided'),
    );
  });

  it('schema only: the request wins field by field, the defaults fill the rest', () => {
    expect(create({ schema: emb({ space: 'cosine' }) })).toEqual({
      configuration_json: {
        hnsw: { ...CONFIG_HNSW, space: 'cosine' },
        spann: null,
        embedding_function: null,
      },
      schema: chromaSchema('cosine', { defaultsSpace: 'l2' }),
    });
    // The configuration follows #embedding, not the defaults' vector index.
    const defaultsOnly = create({
      schema: {
        defaults: { float_list: { vector_index: { enabled: false, config: { space: 'cosine' } } } },
        keys: {},
      },
    });
    expect(defaultsOnly.configuration_json.hnsw.space).toBe('l2');
    expect(defaultsOnly.schema).toEqual(chromaSchema('l2', { defaultsSpace: 'cosine' }));
    // SPANN settings are dropped from the vector index (there is no SPANN index).
    expect(create({ schema: emb({ spann: { search_nprobe: 10 } }) }).schema).toEqual(
      chromaSchema(),
    );
  });

  it('what the Python client sends: schema plus a default configuration', () => {
    const ef = { name: 'default', type: 'known', config: {} };
    const result = create({
      configuration: { hnsw: { space: 'l2' }, spann: null, embedding_function: ef },
      schema: {
        defaults: {
          float_list: {
            vector_index: { enabled: false, config: { space: 'cosine', embedding_function: ef } },
          },
        },
        keys: {
          '#embedding': {
            float_list: {
              vector_index: {
                enabled: true,
                config: { space: 'cosine', embedding_function: ef, source_key: '#document' },
              },
            },
          },
        },
      },
    });
    const efJson = { type: 'known', name: 'default', config: {} };
    expect(result).toEqual({
      configuration_json: {
        hnsw: { ...CONFIG_HNSW, space: 'cosine' },
        spann: null,
        embedding_function: efJson,
      },
      schema: chromaSchema('cosine', { ef: efJson }),
    });
  });

  it('an embedding function in a configuration goes into both vector indexes', () => {
    const ef = { type: 'known', name: 'openai', config: { model: 'x' } };
    expect(create({ configuration: { embedding_function: ef } })).toEqual({
      configuration_json: { hnsw: CONFIG_HNSW, spann: null, embedding_function: ef },
      schema: chromaSchema('l2', { ef }),
    });
    expect(create({ configuration: { embedding_function: { type: 'unknown' } } }).schema).toEqual(
      chromaSchema('l2', { ef: { type: 'unknown' } }),
    );
  });

  it('a schema and a configuration that both say something conflict', () => {
    const conflict = new InvalidArgumentError(
      'Failed to reconcile schema: Cannot set both collection config and schema simultaneously',
    );
    const schema = emb({ space: 'cosine' });
    expect(() => create({ schema, configuration: { hnsw: { space: 'ip' } } })).toThrow(conflict);
    expect(() => create({ schema, metadata: { 'hnsw:space': 'ip' } })).toThrow(conflict);
    expect(() =>
      create({ schema, configuration: { embedding_function: { type: 'legacy' } } }),
    ).toThrow(conflict);
    // A default configuration does not.
    expect(
      create({ schema, configuration: { hnsw: { ef_search: 100 } } }).configuration_json.hnsw.space,
    ).toBe('cosine');
    // Nor does a default schema with legacy metadata: the metadata decides.
    expect(
      create({ schema: { defaults: {}, keys: {} }, metadata: { 'hnsw:space': 'ip' } })
        .configuration_json.hnsw.space,
    ).toBe('ip');
  });

  it('legacy metadata errors are one 400, as in Chroma', () => {
    const err = new InvalidArgumentError('Failed to parse hnsw parameters from segment metadata');
    const malformed: Metadata[] = [
      { 'hnsw:foo': 1 },
      { 'hnsw:space': 'bad' },
      { 'hnsw:sync_threshold': 1 },
      { 'hnsw:M': 'x' },
      { 'hnsw:M': 1.5 },
    ];
    for (const metadata of malformed) {
      expect(() => create({ metadata }), JSON.stringify(metadata)).toThrow(err);
    }
    // Checked beside an hnsw block too, but not beside a spann block.
    expect(() =>
      create({ metadata: { 'hnsw:foo': 1 }, configuration: { hnsw: { space: 'cosine' } } }),
    ).toThrow(err);
    expect(create({ metadata: { 'hnsw:foo': 1 }, configuration: { spann: {} } })).toBeDefined();
    expect(
      create({ metadata: { 'hnsw:resize_factor': 2, 'hnsw:num_threads': 3 } }).configuration_json
        .hnsw.resize_factor,
    ).toBe(2);
  });

  it('a sparse vector index is refused, as `chroma run` does', () => {
    expect(() =>
      create({
        schema: {
          defaults: {},
          keys: { a: { sparse_vector: { sparse_vector_index: { enabled: true, config: {} } } } },
        },
      }),
    ).toThrow(
      new InvalidArgumentError(
        'Failed to reconcile schema: Invalid schema input: Sparse vector indexing is not enabled in local',
      ),
    );
  });

  it('HNSW checks on a schema: batch_size and sync_threshold below 2', () => {
    expect(() => create({ schema: emb({ hnsw: { batch_size: 1 } }) })).toThrow(
      new InvalidArgumentError(
        'Failed to reconcile schema: Invalid HNSW configuration: batch_size: Validation error: range [{"min": Number(2), "value": Number(1)}]',
      ),
    );
  });

  it('HueDB refuses parameters its index cannot be built with (Chroma accepts them)', () => {
    expect(() => create({ configuration: { hnsw: { max_neighbors: 1 } } })).toThrow(
      new InvalidArgumentError(
        'Invalid HNSW configuration: max_neighbors must be at least 2, got 1',
      ),
    );
    expect(() => create({ schema: emb({ hnsw: { ef_construction: 0 } }) })).toThrow(
      /ef_construction must be at least 1, got 0/,
    );
    // What Chroma accepts and HueDB can serve stays accepted.
    expect(
      create({ configuration: { hnsw: { ef_search: 0, sync_threshold: 1, resize_factor: 0.5 } } })
        .configuration_json.hnsw,
    ).toEqual({ ...CONFIG_HNSW, ef_search: 0, sync_threshold: 1, resize_factor: 0.5 });
  });

  it('shape errors are Chroma 422s naming the path', () => {
    const cases: [object, string][] = [
      [
        { configuration: { hnsw: { foo: 1 } } },
        'configuration.hnsw.foo: unknown field `foo`, expected one of `space`, `ef_construction`, `ef_search`, `max_neighbors`, `num_threads`, `resize_factor`, `sync_threshold`, `batch_size`',
      ],
      [
        { configuration: { hnsw: { space: 'bad' } } },
        'configuration.hnsw.space: unknown variant `bad`, expected one of `l2`, `cosine`, `ip`',
      ],
      [
        { configuration: { hnsw: { ef_search: -1 } } },
        'configuration.hnsw.ef_search: invalid value: integer `-1`, expected usize',
      ],
      [
        { configuration: { hnsw: { ef_search: 1.5 } } },
        'configuration.hnsw.ef_search: invalid type: floating point `1.5`, expected usize',
      ],
      [
        { configuration: { hnsw: { ef_search: true } } },
        'configuration.hnsw.ef_search: invalid type: boolean `true`, expected usize',
      ],
      [
        { configuration: { hnsw: { resize_factor: 'x' } } },
        'configuration.hnsw.resize_factor: invalid type: string "x", expected f64',
      ],
      [
        { configuration: { hnsw: 'x' } },
        'configuration.hnsw: invalid type: string "x", expected struct HnswConfiguration',
      ],
      [
        { configuration: { spann: { search_nprobe: 5000000000 } } },
        'configuration.spann.search_nprobe: invalid value: integer `5000000000`, expected u32',
      ],
      [
        { configuration: { spann: { foo: 1 } } },
        'configuration.spann.foo: unknown field `foo`, expected one of `search_nprobe`, `write_nprobe`, `space`, `ef_construction`, `ef_search`, `max_neighbors`, `reassign_neighbor_count`, `split_threshold`, `merge_threshold`',
      ],
    ];
    for (const [request, reason] of cases) {
      expect(() => create(request), reason).toThrow(
        new UnprocessableEntityError(
          `Failed to deserialize the JSON body into the target type: ${reason}`,
        ),
      );
    }
    // Unknown top-level configuration fields are ignored, as by Chroma.
    expect(create({ configuration: { foo: 1 } }).configuration_json.hnsw).toEqual(CONFIG_HNSW);
  });
});

describe('settingsForUpdate: modify(configuration=...)', () => {
  const update = (stored: ReturnType<typeof settingsForCreate>, body: unknown) =>
    settingsForUpdate(parseCollectionSettings(stored), readConfigurationUpdate(body));
  const json = (stored: ReturnType<typeof settingsForCreate>) =>
    collectionSettingsJson(parseCollectionSettings(stored));

  it('changes the mutable HNSW settings in both vector indexes, keeping space', () => {
    const created = settingsForCreate({ schema: emb({ space: 'cosine' }) });
    const changed = update(created, {
      hnsw: {
        ef_search: 42,
        max_neighbors: 8,
        num_threads: 3,
        batch_size: 50,
        sync_threshold: 500,
        resize_factor: 1.5,
      },
    });
    const hnsw = {
      ...HNSW,
      ef_search: 42,
      max_neighbors: 8,
      num_threads: 3,
      batch_size: 50,
      sync_threshold: 500,
      resize_factor: 1.5,
    };
    expect(json(changed)).toEqual({
      configuration_json: {
        hnsw: {
          ...CONFIG_HNSW,
          space: 'cosine',
          ef_search: 42,
          max_neighbors: 8,
          resize_factor: 1.5,
          sync_threshold: 500,
        },
        spann: null,
        embedding_function: null,
      },
      schema: chromaSchema('cosine', { defaultsSpace: 'l2', hnsw }),
    });
  });

  it('sets an embedding function on both; null, {} and spann change nothing', () => {
    const created = settingsForCreate({ configuration: { hnsw: { space: 'ip' } } });
    const ef = { type: 'known', name: 'openai', config: { m: 1 } };
    const withEf = update(created, { embedding_function: ef });
    expect(json(withEf)).toEqual({
      configuration_json: {
        hnsw: { ...CONFIG_HNSW, space: 'ip' },
        spann: null,
        embedding_function: ef,
      },
      schema: chromaSchema('ip', { ef }),
    });
    for (const body of [{ embedding_function: null }, {}, { spann: { search_nprobe: 5 } }]) {
      expect(json(update(withEf, body)), JSON.stringify(body)).toEqual(json(withEf));
    }
  });

  it('refuses space, ef_construction and unknown fields (422) and hnsw with spann (400)', () => {
    const cases: [object, string][] = [
      [
        { hnsw: { space: 'ip' } },
        'new_configuration.hnsw.space: unknown field `space`, expected one of `ef_search`, `max_neighbors`, `num_threads`, `resize_factor`, `sync_threshold`, `batch_size`',
      ],
      [
        { hnsw: { ef_construction: 5 } },
        'new_configuration.hnsw.ef_construction: unknown field `ef_construction`, expected one of `ef_search`, `max_neighbors`, `num_threads`, `resize_factor`, `sync_threshold`, `batch_size`',
      ],
      [
        { spann: { foo: 1 } },
        'new_configuration.spann.foo: unknown field `foo`, expected `search_nprobe` or `ef_search`',
      ],
      [
        { embedding_function: { foo: 1 } },
        'new_configuration.embedding_function: missing field `type`',
      ],
    ];
    for (const [body, reason] of cases) {
      expect(() => readConfigurationUpdate(body), reason).toThrow(
        new UnprocessableEntityError(
          `Failed to deserialize the JSON body into the target type: ${reason}`,
        ),
      );
    }
    expect(() => readConfigurationUpdate({ hnsw: {}, spann: {} })).toThrow(
      new InvalidArgumentError('Multiple vector index configurations provided'),
    );
  });

  it('refuses a max_neighbors HueDB cannot build with', () => {
    expect(() => update(settingsForCreate({}), { hnsw: { max_neighbors: 0 } })).toThrow(
      /max_neighbors must be at least 2/,
    );
  });
});
