import { InvalidArgumentError } from '../errors.js';
import {
  defaultHnswParameters,
  definedOnly,
  isDefaultConfiguration,
  type ConfigurationUpdate,
  type HnswParameters,
  type ResolvedConfiguration,
} from './configuration.js';
import { isDefaultEmbeddingFunction } from './embedding-function.js';
import {
  DOCUMENT_KEY,
  EMBEDDING_KEY,
  type CollectionSchema,
  type HnswIndexConfig,
  type IndexType,
  type SparseVectorIndexConfig,
  type ValueTypes,
  type VectorIndexConfig,
} from './schema-types.js';

/**
 * Chroma 1.5's rules for collection schemas, as `chroma run` applies them (an HNSW vector index):
 *
 *   request schema ─▶ validateSchema ─▶ reconcileSchema(schema, configuration) ─▶ stored schema
 *                                         │ defaults filled in field by field; a configuration
 *                                         │ that is not the default replaces the vector index
 *   stored schema ─▶ configurationOfSchema ─▶ configuration_json, index parameters
 *   stored schema + new_configuration ─▶ updateSchema ─▶ stored schema
 *
 * A stored schema is complete: defaults for every value type, `#embedding` and `#document`.
 */

const on = (): IndexType => ({ enabled: true, config: {} });
const off = (): IndexType => ({ enabled: false, config: {} });

function hnswIndexConfig(h: HnswParameters): HnswIndexConfig {
  return {
    ef_construction: h.ef_construction,
    max_neighbors: h.max_neighbors,
    ef_search: h.ef_search,
    num_threads: h.num_threads,
    batch_size: h.batch_size,
    sync_threshold: h.sync_threshold,
    resize_factor: h.resize_factor,
  };
}

/** The schema of a collection created with nothing configured (Chroma's `new_default`). */
export function defaultSchema(): CollectionSchema {
  const hnsw = hnswIndexConfig(defaultHnswParameters());
  return {
    defaults: {
      string: { fts_index: off(), string_inverted_index: on() },
      float_list: { vector_index: { enabled: false, config: { space: 'l2', hnsw } } },
      sparse_vector: {
        sparse_vector_index: {
          enabled: false,
          config: { embedding_function: { type: 'unknown' }, bm25: false },
        },
      },
      int: { int_inverted_index: on() },
      float: { float_inverted_index: on() },
      bool: { bool_inverted_index: on() },
    },
    keys: {
      [DOCUMENT_KEY]: { string: { fts_index: on(), string_inverted_index: off() } },
      [EMBEDDING_KEY]: {
        float_list: {
          vector_index: {
            enabled: true,
            config: { space: 'l2', source_key: DOCUMENT_KEY, hnsw: { ...hnsw } },
          },
        },
      },
    },
  };
}

const invalid = (message: string): never => {
  throw new InvalidArgumentError(`Validation error: schema: ${message}`);
};

/** Chroma's checks of a request's schema (`validate_schema`), with its messages; 400. */
export function validateSchema(schema: CollectionSchema): void {
  if (schema.source_attached_function_id !== undefined) {
    invalid('Cannot set source_attached_function_id. This field is reserved for system use.');
  }
  const d = schema.defaults;
  if (d.float_list?.vector_index?.enabled) {
    invalid(
      'Vector index cannot be enabled by default. It can only be enabled on #embedding field.',
    );
  }
  const dv = d.float_list?.vector_index?.config;
  if (dv?.hnsw && dv.spann) {
    invalid('Both spann and hnsw config cannot be present at the same time.');
  }
  if (d.sparse_vector?.sparse_vector_index?.enabled) {
    invalid(
      'Sparse vector index cannot be enabled by default. Please enable sparse vector index on specific keys. At most one sparse vector index is allowed for the collection.',
    );
  }
  if (d.string?.fts_index?.enabled) {
    invalid(
      'Full text search / regular expression index cannot be enabled by default. It can only be enabled on #document field.',
    );
  }
  const sparseKeys: string[] = [];
  for (const [key, types] of Object.entries(schema.keys)) {
    if (key.startsWith('#') && key !== DOCUMENT_KEY && key !== EMBEDDING_KEY) {
      invalid(
        `key cannot begin with '#'. Keys starting with '#' are reserved for system use: ${key}`,
      );
    }
    if (
      key === DOCUMENT_KEY &&
      (types.bool || types.float || types.int || types.float_list || types.sparse_vector)
    ) {
      invalid(`Document field cannot have any value types other than string: ${key}`);
    }
    if (
      key === EMBEDDING_KEY &&
      (types.bool || types.float || types.int || types.string || types.sparse_vector)
    ) {
      invalid(`Embedding field cannot have any value types other than float_list: ${key}`);
    }
    const vector = types.float_list?.vector_index;
    if (vector) {
      if (vector.enabled && key !== EMBEDDING_KEY) {
        invalid(`Vector index can only be enabled on #embedding field: ${key}`);
      }
      if (vector.config.source_key !== undefined && vector.config.source_key !== DOCUMENT_KEY) {
        invalid('Vector index can only source from #document');
      }
    }
    const sparse = types.sparse_vector?.sparse_vector_index;
    if (sparse) {
      if (sparse.enabled) {
        sparseKeys.push(key);
        if (sparseKeys.length > 1) {
          invalid(
            `At most one sparse vector index is allowed for the collection: [${sparseKeys.map((k) => JSON.stringify(k)).join(', ')}]`,
          );
        }
        if (sparse.config.source_key !== undefined && !sparse.config.embedding_function) {
          invalid(
            'If source_key is provided then embedding_function must also be provided since there is no default embedding function.',
          );
        }
      }
      const source = sparse.config.source_key;
      if (source !== undefined && source.startsWith('#') && source !== DOCUMENT_KEY) {
        invalid(
          "source_key cannot begin with '#'. The only valid key starting with '#' is Key.DOCUMENT or '#document'.",
        );
      }
    }
    if (types.string?.fts_index?.enabled && key !== DOCUMENT_KEY) {
      invalid(
        `Full text search / regular expression index can only be enabled on #document field: ${key}`,
      );
    }
    if (types.string?.string_inverted_index?.enabled && key === DOCUMENT_KEY) {
      invalid(`String inverted index can not be enabled on #document key: ${key}`);
    }
  }
  const cmek = schema.cmek;
  if (cmek && !/^projects\/.+\/locations\/.+\/keyRings\/.+\/cryptoKeys\/.+$/.test(cmek.gcp)) {
    invalid(`CMEK does not match expected pattern: Gcp(${JSON.stringify(cmek.gcp)})`);
  }
}

const reconcileError = (reason: string): never => {
  throw new InvalidArgumentError(`Failed to reconcile schema: ${reason}`);
};

/**
 * The schema a create request ends up with (Chroma's `reconcile_schema_and_config`): a schema
 * and a configuration that both say something are a conflict; a configuration that says
 * something (including legacy `hnsw:*` metadata) builds the schema's vector index; otherwise the
 * request's schema, completed with the defaults, is it. Validate the schema first.
 */
export function reconcileSchema(
  schema: CollectionSchema | undefined,
  configuration: ResolvedConfiguration,
): CollectionSchema {
  const configurationIsDefault = isDefaultConfiguration(configuration);
  if (schema && !isDefaultSchema(schema) && !configurationIsDefault) {
    reconcileError('Cannot set both collection config and schema simultaneously');
  }
  const merged = schema ? withDefaults(schema) : defaultSchema();
  let out: CollectionSchema;
  if (!configurationIsDefault) {
    out = schemaOfConfiguration(configuration);
  } else if (isDefaultSchema(merged)) {
    // Both default: the defaults, carrying the configuration's embedding function.
    out = defaultSchema();
    if (configuration.embedding_function) {
      for (const vector of vectorIndexes(out)) {
        vector.config.embedding_function = configuration.embedding_function;
      }
    }
  } else {
    out = merged;
  }
  if (isSparseIndexEnabled(out)) {
    reconcileError('Invalid schema input: Sparse vector indexing is not enabled in local');
  }
  return out;
}

/**
 * A request's schema completed with the defaults: defaults and the two system keys are merged
 * field by field (the request wins); other key overrides are kept as given. The merged vector
 * index keeps no SPANN settings (HueDB, like `chroma run`, serves with HNSW), and its HNSW
 * settings are checked as Chroma does.
 */
function withDefaults(user: CollectionSchema): CollectionSchema {
  const base = defaultSchema();
  const keys: Record<string, ValueTypes> = { ...base.keys };
  for (const [key, types] of Object.entries(user.keys)) {
    keys[key] = key in base.keys ? mergeValueTypes(base.keys[key]!, types) : structuredClone(types);
  }
  const out: CollectionSchema = { defaults: mergeValueTypes(base.defaults, user.defaults), keys };
  if (user.cmek) out.cmek = { ...user.cmek };
  return out;
}

function mergeValueTypes(base: ValueTypes, user: ValueTypes): ValueTypes {
  const out: ValueTypes = structuredClone(base);
  // An index present in the request replaces the default's (enabled and config), except the
  // vector and sparse indexes, which are merged setting by setting.
  if (user.string) out.string = { ...out.string, ...structuredClone(user.string) };
  if (user.int) out.int = { ...out.int, ...structuredClone(user.int) };
  if (user.float) out.float = { ...out.float, ...structuredClone(user.float) };
  if (user.bool) out.bool = { ...out.bool, ...structuredClone(user.bool) };
  const userVector = user.float_list?.vector_index;
  if (user.float_list) {
    const baseVector = out.float_list?.vector_index;
    out.float_list = {
      vector_index:
        baseVector && userVector
          ? {
              enabled: userVector.enabled,
              config: mergeVector(baseVector.config, userVector.config),
            }
          : structuredClone(userVector ?? baseVector),
    };
    if (!out.float_list.vector_index) delete out.float_list.vector_index;
    checkHnsw(out.float_list.vector_index?.config.hnsw);
  }
  const userSparse = user.sparse_vector?.sparse_vector_index;
  if (user.sparse_vector) {
    const baseSparse = out.sparse_vector?.sparse_vector_index;
    out.sparse_vector = {
      sparse_vector_index:
        baseSparse && userSparse
          ? {
              enabled: userSparse.enabled,
              config: mergeSparse(baseSparse.config, userSparse.config),
            }
          : structuredClone(userSparse ?? baseSparse),
    };
    if (!out.sparse_vector.sparse_vector_index) delete out.sparse_vector.sparse_vector_index;
  }
  return out;
}

function mergeVector(base: VectorIndexConfig, user: VectorIndexConfig): VectorIndexConfig {
  const out: VectorIndexConfig = {};
  const space = user.space ?? base.space;
  const ef = user.embedding_function ?? base.embedding_function;
  const source = user.source_key ?? base.source_key;
  if (space) out.space = space;
  if (ef) out.embedding_function = structuredClone(ef);
  if (source !== undefined) out.source_key = source;
  if (base.hnsw || user.hnsw) out.hnsw = { ...base.hnsw, ...definedOnly(user.hnsw ?? {}) };
  return out;
}

function mergeSparse(
  base: SparseVectorIndexConfig,
  user: SparseVectorIndexConfig,
): SparseVectorIndexConfig {
  const merged = { ...structuredClone(base), ...definedOnly(structuredClone(user)) };
  if (user.algorithm === undefined || user.algorithm === 'wand') {
    if (base.algorithm === undefined) delete merged.algorithm;
    else merged.algorithm = base.algorithm;
  }
  return merged;
}

function checkHnsw(hnsw: HnswIndexConfig | undefined): void {
  const low = (['batch_size', 'sync_threshold'] as const).filter(
    (k) => hnsw?.[k] !== undefined && hnsw[k] < 2,
  );
  if (low.length === 0) return;
  const details = low
    .map((k) => `${k}: Validation error: range [{"min": Number(2), "value": Number(${hnsw![k]})}]`)
    .join('\n');
  reconcileError(`Invalid HNSW configuration: ${details}`);
}

/**
 * Whether a schema says nothing beyond the defaults (Chroma's `Schema::is_default`): only the
 * settings present are compared, so an empty schema is default.
 */
export function isDefaultSchema(schema: CollectionSchema): boolean {
  if (schema.cmek) return false;
  if (!defaultsAreDefault(schema.defaults)) return false;
  for (const [key, types] of Object.entries(schema.keys)) {
    if (key === EMBEDDING_KEY) {
      if (types.string || types.float || types.int || types.bool || types.sparse_vector) {
        return false;
      }
      const vector = types.float_list?.vector_index;
      if (
        vector &&
        (!vector.enabled ||
          !vectorConfigIsDefault(vector.config) ||
          vector.config.source_key !== DOCUMENT_KEY)
      ) {
        return false;
      }
    } else if (key === DOCUMENT_KEY) {
      if (types.float_list || types.float || types.int || types.bool || types.sparse_vector) {
        return false;
      }
      if (types.string?.fts_index && !types.string.fts_index.enabled) return false;
      if (types.string?.string_inverted_index?.enabled) return false;
    } else {
      return false;
    }
  }
  return true;
}

function defaultsAreDefault(d: ValueTypes): boolean {
  if (d.string?.string_inverted_index && !d.string.string_inverted_index.enabled) return false;
  if (d.string?.fts_index?.enabled) return false;
  if (d.float?.float_inverted_index && !d.float.float_inverted_index.enabled) return false;
  if (d.int?.int_inverted_index && !d.int.int_inverted_index.enabled) return false;
  if (d.bool?.bool_inverted_index && !d.bool.bool_inverted_index.enabled) return false;
  const vector = d.float_list?.vector_index;
  if (
    vector &&
    (vector.enabled ||
      !vectorConfigIsDefault(vector.config) ||
      vector.config.source_key !== undefined)
  ) {
    return false;
  }
  const sparse = d.sparse_vector?.sparse_vector_index;
  if (
    sparse &&
    (sparse.enabled ||
      !isDefaultEmbeddingFunction(sparse.config.embedding_function) ||
      sparse.config.source_key !== undefined ||
      sparse.config.bm25 === true)
  ) {
    return false;
  }
  return true;
}

const SPANN_DEFAULTS: Record<string, number | string> = {
  search_nprobe: 64,
  search_rng_factor: 1,
  search_rng_epsilon: 10,
  nreplica_count: 8,
  write_rng_factor: 1,
  write_rng_epsilon: 5,
  split_threshold: 50,
  num_samples_kmeans: 1000,
  initial_lambda: 100,
  reassign_neighbor_count: 64,
  merge_threshold: 25,
  num_centers_to_merge_to: 8,
  write_nprobe: 32,
  ef_construction: 200,
  ef_search: 200,
  max_neighbors: 64,
  center_drift_threshold: 0.125,
  quantize: 'none',
};

function vectorConfigIsDefault(config: VectorIndexConfig): boolean {
  if (!isDefaultEmbeddingFunction(config.embedding_function)) return false;
  if (config.space !== undefined && config.space !== 'l2') return false;
  if (config.hnsw && config.spann) return false;
  if (config.hnsw) {
    // num_threads is not compared: it depends on the machine.
    const defaults = hnswIndexConfig(defaultHnswParameters());
    for (const [k, v] of Object.entries(config.hnsw)) {
      if (k !== 'num_threads' && v !== defaults[k as keyof HnswIndexConfig]) return false;
    }
  }
  if (config.spann) {
    for (const [k, v] of Object.entries(config.spann)) {
      if (v !== SPANN_DEFAULTS[k]) return false;
    }
  }
  return true;
}

/** The vector indexes that carry the collection's vector settings: the default and `#embedding`. */
function vectorIndexes(schema: CollectionSchema): IndexType<VectorIndexConfig>[] {
  return [
    schema.defaults.float_list?.vector_index,
    schema.keys[EMBEDDING_KEY]?.float_list?.vector_index,
  ].filter((v): v is IndexType<VectorIndexConfig> => v !== undefined);
}

/** The schema a configuration stands for: the defaults with its vector index and function. */
export function schemaOfConfiguration(configuration: ResolvedConfiguration): CollectionSchema {
  const schema = defaultSchema();
  for (const vector of vectorIndexes(schema)) {
    const config: VectorIndexConfig = { space: configuration.hnsw.space };
    if (configuration.embedding_function) {
      config.embedding_function = structuredClone(configuration.embedding_function);
    }
    if (vector.enabled) config.source_key = DOCUMENT_KEY;
    config.hnsw = hnswIndexConfig(configuration.hnsw);
    vector.config = config;
  }
  return schema;
}

/**
 * The configuration a schema stands for: the `#embedding` vector index's settings (the default
 * vector index's when a schema has none), filled with the defaults. What `configuration_json`
 * shows and what the index is built and searched with.
 */
export function configurationOfSchema(schema: CollectionSchema): ResolvedConfiguration {
  const vector =
    schema.keys[EMBEDDING_KEY]?.float_list?.vector_index ??
    schema.defaults.float_list?.vector_index;
  const config = vector?.config ?? {};
  const hnsw: HnswParameters = {
    ...defaultHnswParameters(),
    ...definedOnly(config.hnsw ?? {}),
    space: config.space ?? 'l2',
  };
  return config.embedding_function
    ? { hnsw, embedding_function: structuredClone(config.embedding_function) }
    : { hnsw };
}

/**
 * Applies `new_configuration` to a stored schema, as `chroma run` does: the HNSW settings that may
 * change and the embedding function are set on both vector indexes; SPANN settings change nothing
 * (there is no SPANN index). The input is not modified.
 */
export function updateSchema(
  schema: CollectionSchema,
  update: ConfigurationUpdate,
): CollectionSchema {
  const out = structuredClone(schema);
  for (const vector of vectorIndexes(out)) {
    if (update.hnsw && vector.config.hnsw) {
      vector.config.hnsw = { ...vector.config.hnsw, ...definedOnly(update.hnsw) };
    }
    if (update.embedding_function) {
      vector.config.embedding_function = structuredClone(update.embedding_function);
    }
  }
  return out;
}

/** Whether any sparse vector index is enabled (HueDB has none to offer). */
function isSparseIndexEnabled(schema: CollectionSchema): boolean {
  return [schema.defaults, ...Object.values(schema.keys)].some(
    (t) => t.sparse_vector?.sparse_vector_index?.enabled === true,
  );
}
