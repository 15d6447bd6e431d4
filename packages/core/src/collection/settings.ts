import {
  configurationJson,
  defaultHnswParameters,
  readSpace,
  type ConfigurationJson,
  type HnswParameters,
  type ResolvedConfiguration,
} from './configuration.js';
import { readEmbeddingFunction } from './embedding-function.js';
import { configurationOfSchema, schemaOfConfiguration } from './schema.js';
import { schemaJson } from './schema-json.js';
import type { CollectionSchema } from './schema-types.js';

/**
 * A stored collection's settings, parsed: what every reader of a collection row needs (the
 * gateway's JSON, the query node's search and filter checks, the compactor's index build).
 * Immutable; share it, do not change it.
 */
export interface CollectionSettings {
  /** The complete schema (derived from the configuration for rows stored before schemas). */
  readonly schema: CollectionSchema;
  /** The configuration the schema stands for. */
  readonly configuration: ResolvedConfiguration;
  /** The HNSW parameters the index is built and searched with. */
  readonly hnsw: HnswParameters;
}

/** The stored form of a collection's settings (the catalog's two JSON columns). */
export interface StoredSettings {
  /** `configuration_json`, as stored. */
  configurationJson: string;
  /** The schema's JSON; empty for collections created before HueDB kept schemas. */
  schemaJson: string;
}

/**
 * Parses a row's settings. The schema is the source of truth when there is one (a create or an
 * update writes both, consistently); a row without one gets the schema its configuration stands
 * for, as Chroma derives it for collections created before schemas.
 */
export function parseCollectionSettings(stored: StoredSettings): CollectionSettings {
  let schema: CollectionSchema;
  let configuration: ResolvedConfiguration;
  if (stored.schemaJson) {
    // Written by HueDB from a validated, reconciled schema: parsed, not re-validated.
    schema = JSON.parse(stored.schemaJson) as CollectionSchema;
    configuration = configurationOfSchema(schema);
  } else {
    configuration = configurationOfStoredJson(stored.configurationJson);
    schema = schemaOfConfiguration(configuration);
  }
  return { schema, configuration, hnsw: configuration.hnsw };
}

/**
 * A configuration stored before schemas existed: HueDB's earlier normalized form, which may hold
 * a `spann` block (served with HNSW in its space) and an embedding function that was never
 * validated. One that does not read as a valid configuration is dropped rather than handed to
 * clients that would fail on it.
 */
function configurationOfStoredJson(text: string): ResolvedConfiguration {
  const stored = (text ? JSON.parse(text) : {}) as {
    hnsw?: Partial<HnswParameters> | null;
    spann?: { space?: unknown } | null;
    embedding_function?: unknown;
  };
  const hnsw: HnswParameters = { ...defaultHnswParameters(), ...(stored.hnsw ?? {}) };
  if (!stored.hnsw && stored.spann?.space !== undefined) {
    hnsw.space = readSpace(stored.spann.space, 'spann.space');
  }
  const out: ResolvedConfiguration = { hnsw };
  if (stored.embedding_function != null) {
    try {
      out.embedding_function = readEmbeddingFunction(stored.embedding_function, '');
    } catch {
      // Stored before embedding functions were validated: unusable by any client.
    }
  }
  return out;
}

/**
 * Settings by collection id, parsed once per change: readers call {@link CollectionSettingsCache.of}
 * with each row they are handed, and the JSON is parsed again only when the row's stored
 * settings differ from the cached ones (comparing the text is far cheaper than parsing it).
 * Bounded: the least recently used entries go first.
 */
export class CollectionSettingsCache {
  private readonly entries = new Map<
    string,
    { stored: StoredSettings; settings: CollectionSettings }
  >();

  /** @param capacity - how many collections to keep parsed */
  constructor(private readonly capacity = 4096) {}

  /** The settings of a collection row (its id and stored JSON). */
  of(row: { id: string } & StoredSettings): CollectionSettings {
    const hit = this.entries.get(row.id);
    if (
      hit &&
      hit.stored.configurationJson === row.configurationJson &&
      hit.stored.schemaJson === row.schemaJson
    ) {
      this.entries.delete(row.id);
      this.entries.set(row.id, hit);
      return hit.settings;
    }
    const settings = parseCollectionSettings(row);
    this.entries.delete(row.id);
    this.entries.set(row.id, {
      stored: { configurationJson: row.configurationJson, schemaJson: row.schemaJson },
      settings,
    });
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return settings;
  }
}

/** `configuration_json` and `schema` as Chroma returns them for a collection (fresh objects). */
export function collectionSettingsJson(settings: CollectionSettings): {
  configuration_json: ConfigurationJson;
  schema: Record<string, unknown>;
} {
  return {
    configuration_json: configurationJson(settings.configuration),
    schema: schemaJson(settings.schema),
  };
}

/** The stored form of a schema: the catalog's `schema_json` and `configuration_json` columns. */
export function storedSettingsOf(schema: CollectionSchema): StoredSettings {
  return {
    schemaJson: JSON.stringify(schemaJson(schema)),
    configurationJson: JSON.stringify(configurationJson(configurationOfSchema(schema))),
  };
}
