import { embeddingFunctionJson, type EmbeddingFunctionConfig } from './embedding-function.js';
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
 * A schema as Chroma serializes it: fields in Chroma's order, absent settings left out, the
 * system keys first. Returns fresh objects (safe to hand out from a cache).
 */
export function schemaJson(schema: CollectionSchema): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  const names = Object.keys(schema.keys);
  const ordered = [
    ...[DOCUMENT_KEY, EMBEDDING_KEY].filter((k) => names.includes(k)),
    ...names.filter((k) => k !== DOCUMENT_KEY && k !== EMBEDDING_KEY),
  ];
  for (const key of ordered) keys[key] = valueTypesJson(schema.keys[key]!);
  const out: Record<string, unknown> = { defaults: valueTypesJson(schema.defaults), keys };
  if (schema.cmek) out.cmek = { gcp: schema.cmek.gcp };
  return out;
}

function valueTypesJson(types: ValueTypes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (types.string) {
    out.string = pick({
      fts_index: plainIndex(types.string.fts_index),
      string_inverted_index: plainIndex(types.string.string_inverted_index),
    });
  }
  if (types.float_list) {
    const v = types.float_list.vector_index;
    out.float_list = pick({
      vector_index: v && { enabled: v.enabled, config: vectorConfigJson(v.config) },
    });
  }
  if (types.sparse_vector) {
    const s = types.sparse_vector.sparse_vector_index;
    out.sparse_vector = pick({
      sparse_vector_index: s && { enabled: s.enabled, config: sparseConfigJson(s.config) },
    });
  }
  if (types.int) out.int = pick({ int_inverted_index: plainIndex(types.int.int_inverted_index) });
  if (types.float) {
    out.float = pick({ float_inverted_index: plainIndex(types.float.float_inverted_index) });
  }
  if (types.bool) {
    out.bool = pick({ bool_inverted_index: plainIndex(types.bool.bool_inverted_index) });
  }
  return out;
}

function plainIndex(index: IndexType | undefined): Record<string, unknown> | undefined {
  return index && { enabled: index.enabled, config: {} };
}

function vectorConfigJson(c: VectorIndexConfig): Record<string, unknown> {
  return pick({
    space: c.space,
    embedding_function: efJson(c.embedding_function),
    source_key: c.source_key,
    hnsw: c.hnsw && hnswJson(c.hnsw),
    spann: c.spann && { ...c.spann },
  });
}

function hnswJson(h: HnswIndexConfig): Record<string, unknown> {
  return pick({
    ef_construction: h.ef_construction,
    max_neighbors: h.max_neighbors,
    ef_search: h.ef_search,
    num_threads: h.num_threads,
    batch_size: h.batch_size,
    sync_threshold: h.sync_threshold,
    resize_factor: h.resize_factor,
  });
}

function sparseConfigJson(c: SparseVectorIndexConfig): Record<string, unknown> {
  return pick({
    embedding_function: efJson(c.embedding_function),
    source_key: c.source_key,
    bm25: c.bm25,
    // Chroma leaves the default algorithm out, so older clients can read the schema.
    algorithm: c.algorithm === 'wand' ? undefined : c.algorithm,
  });
}

function efJson(ef: EmbeddingFunctionConfig | undefined): Record<string, unknown> | undefined {
  return ef && structuredClone(embeddingFunctionJson(ef));
}

function pick(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}
