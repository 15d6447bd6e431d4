import type { Space } from '../types.js';
import { readSpace } from './configuration.js';
import {
  field,
  readBool,
  readFloat,
  readMap,
  readString,
  readStruct,
  readUnsigned,
  readVariant,
  required,
  deserializeError,
  readObject,
  alternatives,
} from './decode.js';
import { readEmbeddingFunction, type EmbeddingFunctionConfig } from './embedding-function.js';

/**
 * A collection schema (Chroma 1.5's `Schema`): which index each kind of value gets, by default and
 * per metadata key. `defaults` applies to every key without an override; `keys` holds overrides,
 * including the two system keys `#embedding` (the vector index) and `#document` (full-text
 * search). Every field is optional here, as in a request; a stored schema is complete (see
 * `reconcileSchema`). Field names are Chroma's wire names.
 */
export interface CollectionSchema {
  defaults: ValueTypes;
  keys: Record<string, ValueTypes>;
  /** A customer-managed encryption key: kept and returned; HueDB does not encrypt with it. */
  cmek?: { gcp: string };
  /** System-set in Chroma; refused from users (kept here so validation can see it). */
  source_attached_function_id?: string;
}

/** The index settings of one value type, by type (Chroma's `ValueTypes`). */
export interface ValueTypes {
  string?: { fts_index?: IndexType; string_inverted_index?: IndexType };
  float_list?: { vector_index?: IndexType<VectorIndexConfig> };
  sparse_vector?: { sparse_vector_index?: IndexType<SparseVectorIndexConfig> };
  int?: { int_inverted_index?: IndexType };
  float?: { float_inverted_index?: IndexType };
  bool?: { bool_inverted_index?: IndexType };
}

/** One index: on or off, and its settings (inverted and FTS indexes have none). */
export interface IndexType<C = Record<string, never>> {
  enabled: boolean;
  config: C;
}

/** The vector index's settings. */
export interface VectorIndexConfig {
  space?: Space;
  embedding_function?: EmbeddingFunctionConfig;
  source_key?: string;
  hnsw?: HnswIndexConfig;
  spann?: SpannIndexConfig;
}

/** HNSW settings inside a schema (every one optional; absent = default). */
export interface HnswIndexConfig {
  ef_construction?: number;
  max_neighbors?: number;
  ef_search?: number;
  num_threads?: number;
  batch_size?: number;
  sync_threshold?: number;
  resize_factor?: number;
}

/** SPANN settings inside a schema: read for their shape; HueDB serves with HNSW. */
export type SpannIndexConfig = Record<string, number | string>;

/** A sparse vector index's settings (refused when enabled: HueDB has no sparse vectors). */
export interface SparseVectorIndexConfig {
  embedding_function?: EmbeddingFunctionConfig;
  source_key?: string;
  bm25?: boolean;
  algorithm?: 'wand' | 'max_score';
}

/** The system key of the dense vector. */
export const EMBEDDING_KEY = '#embedding';
/** The system key of the document text. */
export const DOCUMENT_KEY = '#document';

const usize = readUnsigned('usize');
const u32 = readUnsigned('u32');
const f32 = readFloat('f32');
const noConfig =
  (name: string) =>
  (value: unknown, path: string): Record<string, never> => {
    readStruct(value, path, name, {}, { denyUnknown: true });
    return {};
  };
const index = <C>(
  typeName: string,
  readConfig: (value: unknown, path: string) => C,
): ((value: unknown, path: string) => IndexType<C>) => {
  return (value, path) =>
    readStruct(value, path, typeName, {
      enabled: required(readBool, 'enabled'),
      config: required(readConfig, 'config'),
    }) as IndexType<C>;
};

const readHnswIndexConfig = (value: unknown, path: string): HnswIndexConfig =>
  readStruct(
    value,
    path,
    'HnswIndexConfig',
    {
      ef_construction: field(usize, 'ef_construction'),
      max_neighbors: field(usize, 'max_neighbors'),
      ef_search: field(usize, 'ef_search'),
      num_threads: field(usize, 'num_threads'),
      batch_size: field(usize, 'batch_size'),
      sync_threshold: field(usize, 'sync_threshold'),
      resize_factor: field(readFloat('f64'), 'resize_factor'),
    },
    { denyUnknown: true },
  );

const SPANN_FIELDS: Record<string, (value: unknown, path: string) => number | string> = {
  search_nprobe: u32,
  search_rng_factor: f32,
  search_rng_epsilon: f32,
  nreplica_count: u32,
  write_rng_factor: f32,
  write_rng_epsilon: f32,
  split_threshold: u32,
  num_samples_kmeans: usize,
  initial_lambda: f32,
  reassign_neighbor_count: u32,
  merge_threshold: u32,
  num_centers_to_merge_to: u32,
  write_nprobe: u32,
  ef_construction: usize,
  ef_search: usize,
  max_neighbors: usize,
  center_drift_threshold: f32,
  quantize: readVariant(['none', 'four_bit_rabit_q_with_u_search']),
};

const readSpannIndexConfig = (value: unknown, path: string): SpannIndexConfig => {
  const specs = Object.fromEntries(
    Object.entries(SPANN_FIELDS).map(([name, read]) => [name, field(read, name)]),
  );
  return readStruct(value, path, 'SpannIndexConfig', specs, {
    denyUnknown: true,
  }) as SpannIndexConfig;
};

const readVectorIndexConfig = (value: unknown, path: string): VectorIndexConfig =>
  readStruct(
    value,
    path,
    'VectorIndexConfig',
    {
      space: field(readSpace, 'space'),
      embedding_function: field(readEmbeddingFunction, 'embedding_function'),
      source_key: field(readString, 'source_key'),
      hnsw: field(readHnswIndexConfig, 'hnsw'),
      spann: field(readSpannIndexConfig, 'spann'),
    },
    { denyUnknown: true },
  );

const readSparseVectorIndexConfig = (value: unknown, path: string): SparseVectorIndexConfig =>
  readStruct(
    value,
    path,
    'SparseVectorIndexConfig',
    {
      embedding_function: field(readEmbeddingFunction, 'embedding_function'),
      source_key: field(readString, 'source_key'),
      bm25: field(readBool, 'bm25'),
      algorithm: field(readVariant(['wand', 'max_score'] as const), 'algorithm'),
    },
    { denyUnknown: true },
  );

/** Reads one ValueTypes (the `#string` / `$fts_index` spellings are Chroma's old aliases). */
export function readValueTypes(value: unknown, path: string): ValueTypes {
  return readStruct(value, path, 'ValueTypes', {
    string: field(
      (v, p) =>
        readStruct(v, p, 'StringValueType', {
          fts_index: field(
            index('FtsIndexType', noConfig('FtsIndexConfig')),
            'fts_index',
            '$fts_index',
          ),
          string_inverted_index: field(
            index('StringInvertedIndexType', noConfig('StringInvertedIndexConfig')),
            'string_inverted_index',
            '$string_inverted_index',
          ),
        }),
      'string',
      '#string',
    ),
    float_list: field(
      (v, p) =>
        readStruct(v, p, 'FloatListValueType', {
          vector_index: field(
            index('VectorIndexType', readVectorIndexConfig),
            'vector_index',
            '$vector_index',
          ),
        }),
      'float_list',
      '#float_list',
    ),
    sparse_vector: field(
      (v, p) =>
        readStruct(v, p, 'SparseVectorValueType', {
          sparse_vector_index: field(
            index('SparseVectorIndexType', readSparseVectorIndexConfig),
            'sparse_vector_index',
            '$sparse_vector_index',
          ),
        }),
      'sparse_vector',
      '#sparse_vector',
    ),
    int: field(
      (v, p) =>
        readStruct(v, p, 'IntValueType', {
          int_inverted_index: field(
            index('IntInvertedIndexType', noConfig('IntInvertedIndexConfig')),
            'int_inverted_index',
            '$int_inverted_index',
          ),
        }),
      'int',
      '#int',
    ),
    float: field(
      (v, p) =>
        readStruct(v, p, 'FloatValueType', {
          float_inverted_index: field(
            index('FloatInvertedIndexType', noConfig('FloatInvertedIndexConfig')),
            'float_inverted_index',
            '$float_inverted_index',
          ),
        }),
      'float',
      '#float',
    ),
    bool: field(
      (v, p) =>
        readStruct(v, p, 'BoolValueType', {
          bool_inverted_index: field(
            index('BoolInvertedIndexType', noConfig('BoolInvertedIndexConfig')),
            'bool_inverted_index',
            '$bool_inverted_index',
          ),
        }),
      'bool',
      '#bool',
    ),
  });
}

const readCmek = (value: unknown, path: string): { gcp: string } => {
  const object = readObject(value, path, 'enum Cmek');
  const [variant, resource] = Object.entries(object)[0] ?? [];
  if (variant === undefined) deserializeError(path, 'invalid type: map, expected enum Cmek');
  if (variant !== 'gcp') {
    deserializeError(path, `unknown variant \`${variant}\`, expected ${alternatives(['gcp'])}`);
  }
  return { gcp: readString(resource, `${path}.gcp`) };
};

/** Reads a request's `schema` (Chroma's 422 on a bad shape; rules are checked separately). */
export function readSchema(value: unknown, path = 'schema'): CollectionSchema {
  return readStruct(value, path, 'Schema', {
    defaults: required(readValueTypes, 'defaults'),
    keys: required(readMap(readValueTypes), 'keys', 'key_overrides'),
    cmek: field(readCmek, 'cmek'),
    source_attached_function_id: field(readString, 'source_attached_function_id'),
  }) as CollectionSchema;
}
