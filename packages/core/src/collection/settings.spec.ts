import { describe, expect, it } from 'vitest';
import { DEFAULT_NUM_THREADS } from './configuration.js';
import { settingsForCreate } from './requests.js';
import {
  CollectionSettingsCache,
  collectionSettingsJson,
  parseCollectionSettings,
} from './settings.js';

describe('parseCollectionSettings', () => {
  it('reads back what a create stored', () => {
    const stored = settingsForCreate({
      configuration: { hnsw: { space: 'cosine', ef_search: 7 } },
    });
    const settings = parseCollectionSettings(stored);
    expect(settings.hnsw).toEqual({
      space: 'cosine',
      ef_construction: 100,
      ef_search: 7,
      max_neighbors: 16,
      num_threads: DEFAULT_NUM_THREADS,
      resize_factor: 1.2,
      sync_threshold: 1000,
      batch_size: 100,
    });
    expect(JSON.parse(stored.configurationJson)).toEqual(
      collectionSettingsJson(settings).configuration_json,
    );
  });

  it('derives a schema for rows stored before schemas, dropping what no client can use', () => {
    const legacy = parseCollectionSettings({
      configurationJson: JSON.stringify({
        hnsw: null,
        spann: { space: 'ip', search_nprobe: 10 },
        embedding_function: { foo: 1 },
      }),
      schemaJson: '',
    });
    expect(collectionSettingsJson(legacy)).toEqual(
      collectionSettingsJson(
        parseCollectionSettings(settingsForCreate({ configuration: { hnsw: { space: 'ip' } } })),
      ),
    );
    const withEf = parseCollectionSettings({
      configurationJson: JSON.stringify({
        hnsw: { space: 'cosine', ef_construction: 100, ef_search: 100, max_neighbors: 16 },
        embedding_function: { type: 'known', name: 'openai', config: {} },
      }),
      schemaJson: '',
    });
    expect(withEf.configuration.embedding_function).toEqual({
      type: 'known',
      name: 'openai',
      config: {},
    });
    expect(parseCollectionSettings({ configurationJson: '{}', schemaJson: '' }).hnsw.space).toBe(
      'l2',
    );
  });
});

describe('CollectionSettingsCache', () => {
  it('parses a row once per change of its stored settings', () => {
    const cache = new CollectionSettingsCache(2);
    const a = { id: 'a', ...settingsForCreate({}) };
    const first = cache.of(a);
    expect(cache.of({ ...a })).toBe(first);
    const changed = { id: 'a', ...settingsForCreate({ configuration: { hnsw: { space: 'ip' } } }) };
    const second = cache.of(changed);
    expect(second).not.toBe(first);
    expect(second.hnsw.space).toBe('ip');
    // Bounded: the least recently used row is parsed again.
    cache.of({ ...a, id: 'b' });
    cache.of({ ...a, id: 'c' });
    expect(cache.of(changed)).not.toBe(second);
  });
});
