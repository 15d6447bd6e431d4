import { distanceFn } from './distance.js';
import { validateEmbedding, validateEmbeddingDimensions } from './embeddings.js';
import { InvalidArgumentError } from './errors.js';
import { matchesFilters, parseWhere, parseWhereDocument } from './filters.js';
import { nullObject, setOwn } from './own.js';
import type {
  CollectionRecord,
  IncludeField,
  Metadata,
  MetadataValue,
  Space,
  UpdateMetadata,
  WhereDocumentNode,
  WhereNode,
} from './types.js';
import { DEFAULT_GET_INCLUDE, DEFAULT_QUERY_INCLUDE } from './validation.js';

/**
 * An in-memory reference model of ONE Chroma collection: the oracle that model-based tests check
 * the whole system against. It favours being obviously right over being fast (every read is a
 * linear scan). Semantics (docs/chroma-api.md and Chroma's own reference segment,
 * rust/segment/src/test.rs):
 *
 * - A write batch is validated first and then applied in order, record by record; it is never
 *   half-applied. Duplicate ids in one batch are not rejected: later records see earlier ones.
 * - add: inserts; an id that exists is left untouched (no-op).
 * - update: changes an existing record; a missing id is a no-op.
 * - upsert: inserts when missing (like add, with null metadata values dropped), else merges
 *   (like update, but the embedding is always replaced).
 * - Merging: a field that is absent from the request, or null for this record, leaves the stored
 *   value unchanged (Chroma's server reads `documents: [null]` as "unchanged", not "clear"); a
 *   metadata is merged key by key and a `null` value deletes that key.
 * - Metadata that is empty — given as `{}` or left empty after deleting every key — reads back as
 *   null, never `{}` (Chroma's reference segment drops empty metadata on read).
 * - Dimension: the first add/upsert/update that carries a vector fixes the collection's dimension
 *   (even if every record of it turns out a no-op, as in Chroma's frontend); it survives deletes.
 * - Order: records keep first-insertion order; update/upsert of an existing record keeps its
 *   place; a deleted and re-added id goes to the end. `get` returns this order (also when ids
 *   are given, whatever their order) and pages over it with offset/limit.
 * - query: brute force with the collection's space, ascending distance; equal distances keep
 *   insertion order (real indexes may order ties differently — compare with tolerance). Returns
 *   min(nResults, matching records) per query vector; an empty collection returns empty lists.
 * - Ids: an absent `ids` is no id filter; `ids: []` admits no record (get and query return
 *   nothing), it never means "all".
 * - delete: `ids: []` without a filter is refused ("Either ids or where must be specified");
 *   `limit` needs a filter; neither ids nor a filter deletes nothing and returns 0. Ids alone
 *   delete those ids and return how many ids were GIVEN (Chroma counts missing and repeated ids
 *   too); with a filter, deletes matching records (ids AND filters) in insertion order, at most
 *   `limit`, and returns how many it deleted.
 */

/** A vector as a test supplies it. */
export type VectorInput = Float32Array | readonly number[];

/** Arguments of {@link CollectionModel.add}. */
export interface ModelAddRequest {
  /** Record ids, in order. */
  ids: readonly string[];
  /** One vector per id. */
  embeddings: readonly VectorInput[];
  /** One document (or null: none) per id. */
  documents?: readonly (string | null)[];
  /** One URI (or null: none) per id. */
  uris?: readonly (string | null)[];
  /** One metadata (or null: none) per id. */
  metadatas?: readonly (Metadata | null)[];
}

/** Arguments of {@link CollectionModel.upsert}. */
export interface ModelUpsertRequest {
  /** Record ids, in order. */
  ids: readonly string[];
  /** One vector per id (required, as in Chroma). */
  embeddings: readonly VectorInput[];
  /** One document per id; null = unchanged (none, on insert). */
  documents?: readonly (string | null)[];
  /** One URI per id; null = unchanged (none, on insert). */
  uris?: readonly (string | null)[];
  /** One metadata per id, merged; null = unchanged; a null value deletes its key. */
  metadatas?: readonly (UpdateMetadata | null)[];
}

/** Arguments of {@link CollectionModel.update}. */
export interface ModelUpdateRequest {
  /** Record ids, in order. */
  ids: readonly string[];
  /** One vector per id; null = unchanged. */
  embeddings?: readonly (VectorInput | null)[];
  /** One document per id; null = unchanged. */
  documents?: readonly (string | null)[];
  /** One URI per id; null = unchanged. */
  uris?: readonly (string | null)[];
  /** One metadata per id, merged; null = unchanged; a null value deletes its key. */
  metadatas?: readonly (UpdateMetadata | null)[];
}

/** Filters as the HTTP body carries them (JSON), parsed and validated by the model. */
export interface ModelFilters {
  /** Only these ids (in any order; results keep insertion order). */
  ids?: readonly string[];
  /** Chroma `where` JSON. */
  where?: unknown;
  /** Chroma `where_document` JSON. */
  whereDocument?: unknown;
}

/** Arguments of {@link CollectionModel.delete}. */
export interface ModelDeleteRequest extends ModelFilters {
  /** Delete at most this many (first in insertion order); needs `where` or `whereDocument`. */
  limit?: number;
}

/** Arguments of {@link CollectionModel.get}. */
export interface ModelGetRequest extends ModelFilters {
  /** Page size; all when absent. */
  limit?: number;
  /** Records to skip; 0 when absent. */
  offset?: number;
  /** Fields to return; Chroma's default is documents and metadatas. */
  include?: readonly IncludeField[];
}

/** Arguments of {@link CollectionModel.query}. */
export interface ModelQueryRequest extends ModelFilters {
  /** The query vectors. */
  embeddings: readonly VectorInput[];
  /** Results per query vector; 10 when absent. */
  nResults?: number;
  /** Fields to return; Chroma's default is documents, metadatas and distances. */
  include?: readonly IncludeField[];
}

/** What `get` answers, shaped like Chroma's response; not-included fields are null. */
export interface ModelGetResult {
  /** Ids, in insertion order. */
  ids: string[];
  /** Vectors as float32-rounded numbers. */
  embeddings: number[][] | null;
  /** Documents. */
  documents: (string | null)[] | null;
  /** URIs. */
  uris: (string | null)[] | null;
  /** Metadata (null for a record without any). */
  metadatas: (Metadata | null)[] | null;
  /** The include list used. */
  include: IncludeField[];
}

/** What `query` answers: one list per query vector, nearest first. */
export interface ModelQueryResult {
  /** Ids. */
  ids: string[][];
  /** Vectors. */
  embeddings: number[][][] | null;
  /** Documents. */
  documents: (string | null)[][] | null;
  /** URIs. */
  uris: (string | null)[][] | null;
  /** Metadata. */
  metadatas: (Metadata | null)[][] | null;
  /** Distances, ascending. */
  distances: number[][] | null;
  /** The include list used. */
  include: IncludeField[];
}

interface StoredRecord {
  embedding: Float32Array;
  document: string | null;
  uri: string | null;
  metadata: Metadata | null;
}

function copyValue(value: MetadataValue): MetadataValue {
  return Array.isArray(value) ? ([...value] as MetadataValue) : value;
}

/** Applies an update metadata to a stored one; an empty result is null. */
function mergeMetadata(stored: Metadata | null, update: UpdateMetadata): Metadata | null {
  const out = nullObject<MetadataValue>();
  for (const [key, value] of Object.entries(stored ?? {})) setOwn(out, key, copyValue(value));
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete out[key];
    else setOwn(out, key, copyValue(value));
  }
  return Object.keys(out).length === 0 ? null : out;
}

/** What a read returns: a record with a URI reads back `{}` rather than null (Chroma keeps the
 * URI among the metadata). */
function readMetadata(r: { metadata: Metadata | null; uri: string | null }): Metadata | null {
  return copyMetadata(r.metadata) ?? (r.uri !== null ? {} : null);
}

function copyMetadata(metadata: Metadata | null): Metadata | null {
  return metadata === null ? null : mergeMetadata(metadata, {});
}

/** The reference model of one collection (see the module description for its semantics). */
export class CollectionModel {
  /** The collection's distance space. */
  readonly space: Space;
  private dim: number | null;
  // A Map iterates in insertion order; set() on an existing key keeps its place.
  private readonly records = new Map<string, StoredRecord>();

  /**
   * @param options - the space (default `l2`) and an already-fixed dimension (default none)
   */
  constructor(options: { space?: Space; dimension?: number | null } = {}) {
    this.space = options.space ?? 'l2';
    this.dim = options.dimension ?? null;
  }

  /** The collection's dimension: null until the first write with a vector. */
  get dimension(): number | null {
    return this.dim;
  }

  /** How many records the collection holds. */
  count(): number {
    return this.records.size;
  }

  /** Every record, in insertion order (copies). */
  snapshot(): CollectionRecord[] {
    return [...this.records].map(([id, r]) => ({
      id,
      embedding: r.embedding.slice(),
      document: r.document,
      uri: r.uri,
      metadata: copyMetadata(r.metadata),
    }));
  }

  /**
   * Chroma's add: inserts each record whose id is not present.
   * @param req - the batch
   */
  add(req: ModelAddRequest): void {
    const vectors = this.checkBatch(req, req.embeddings, true);
    req.ids.forEach((id, i) => {
      if (this.records.has(id)) return;
      this.records.set(id, {
        embedding: vectors[i]!,
        document: req.documents?.[i] ?? null,
        uri: req.uris?.[i] ?? null,
        metadata: mergeMetadata(null, req.metadatas?.[i] ?? {}),
      });
    });
  }

  /**
   * Chroma's upsert: inserts missing records, merges into existing ones.
   * @param req - the batch
   */
  upsert(req: ModelUpsertRequest): void {
    const vectors = this.checkBatch(req, req.embeddings, true);
    req.ids.forEach((id, i) => {
      const existing = this.records.get(id);
      if (existing) {
        this.merge(existing, vectors[i]!, req, i);
      } else {
        this.records.set(id, {
          embedding: vectors[i]!,
          document: req.documents?.[i] ?? null,
          uri: req.uris?.[i] ?? null,
          metadata: mergeMetadata(null, req.metadatas?.[i] ?? {}),
        });
      }
    });
  }

  /**
   * Chroma's update: merges into existing records; missing ids are ignored.
   * @param req - the batch
   */
  update(req: ModelUpdateRequest): void {
    const vectors = this.checkBatch(req, req.embeddings, false);
    req.ids.forEach((id, i) => {
      const existing = this.records.get(id);
      if (existing) this.merge(existing, vectors[i] ?? null, req, i);
    });
  }

  /**
   * Chroma's delete; returns how many records it removed.
   * @param req - ids and/or filters, and an optional limit
   */
  delete(req: ModelDeleteRequest): number {
    const hasFilter = req.where !== undefined || req.whereDocument !== undefined;
    if (req.ids !== undefined && req.ids.length === 0 && !hasFilter) {
      throw new InvalidArgumentError(
        'Validation error: ids, where: Either ids or where must be specified',
      );
    }
    if (req.limit !== undefined && !hasFilter) {
      throw new InvalidArgumentError(
        'Validation error: limit, where: limit can only be specified when a where clause is provided',
      );
    }
    if (!hasFilter) {
      // Ids alone: Chroma deletes blindly and counts the ids as given, present or not.
      if (req.ids === undefined) return 0;
      for (const id of req.ids) this.records.delete(id);
      return req.ids.length;
    }
    const victims = this.select(req).slice(0, req.limit);
    for (const [id] of victims) this.records.delete(id);
    // By ids alone, Chroma answers with the number of ids given, present or not.
    return hasFilter ? victims.length : req.ids!.length;
  }

  /**
   * Chroma's get: matching records in insertion order, paged, projected.
   * @param req - filters, paging and include
   */
  get(req: ModelGetRequest = {}): ModelGetResult {
    const include = [...(req.include ?? DEFAULT_GET_INCLUDE)];
    const offset = req.offset ?? 0;
    const page = this.select(req).slice(
      offset,
      req.limit === undefined ? undefined : offset + req.limit,
    );
    const has = (f: IncludeField) => include.includes(f);
    return {
      ids: page.map(([id]) => id),
      embeddings: has('embeddings') ? page.map(([, r]) => Array.from(r.embedding)) : null,
      documents: has('documents') ? page.map(([, r]) => r.document) : null,
      uris: has('uris') ? page.map(([, r]) => r.uri) : null,
      metadatas: has('metadatas') ? page.map(([, r]) => readMetadata(r)) : null,
      include,
    };
  }

  /**
   * Chroma's query: for each vector, the nearest matching records by brute force.
   * @param req - query vectors, n_results, filters and include
   */
  query(req: ModelQueryRequest): ModelQueryResult {
    const include = [...(req.include ?? DEFAULT_QUERY_INCLUDE)];
    const nResults = req.nResults ?? 10;
    const queries = req.embeddings.map((e, i) => this.toVector(e, i));
    validateEmbeddingDimensions(queries, this.dim);
    const candidates = this.select(req);
    const distance = distanceFn(this.space);
    const hits = queries.map((q) =>
      candidates
        .map(([id, r]) => ({ id, r, d: distance(q, r.embedding) }))
        // Array.prototype.sort is stable: equal distances keep insertion order.
        .sort((a, b) => a.d - b.d)
        .slice(0, nResults),
    );
    const has = (f: IncludeField) => include.includes(f);
    return {
      ids: hits.map((h) => h.map((x) => x.id)),
      embeddings: has('embeddings')
        ? hits.map((h) => h.map((x) => Array.from(x.r.embedding)))
        : null,
      documents: has('documents') ? hits.map((h) => h.map((x) => x.r.document)) : null,
      uris: has('uris') ? hits.map((h) => h.map((x) => x.r.uri)) : null,
      metadatas: has('metadatas') ? hits.map((h) => h.map((x) => readMetadata(x.r))) : null,
      distances: has('distances') ? hits.map((h) => h.map((x) => x.d)) : null,
      include,
    };
  }

  private toVector(v: VectorInput, index: number): Float32Array {
    const out = Float32Array.from(v);
    validateEmbedding(out, index);
    return out;
  }

  /**
   * Validates a write batch completely before anything is applied: list lengths, vectors (present
   * where required, finite, one dimension equal to the collection's). Fixes the dimension.
   */
  private checkBatch(
    req: {
      ids: readonly string[];
      documents?: readonly unknown[];
      uris?: readonly unknown[];
      metadatas?: readonly unknown[];
    },
    embeddings: readonly (VectorInput | null)[] | undefined,
    required: boolean,
  ): (Float32Array | null)[] {
    const n = req.ids.length;
    for (const list of [embeddings, req.documents, req.uris, req.metadatas]) {
      if (list !== undefined && list.length !== n) {
        throw new InvalidArgumentError(
          'Inconsistent number of IDs, embeddings, documents, URIs and metadatas',
        );
      }
    }
    if (req.ids.some((id) => id.length === 0)) {
      throw new InvalidArgumentError('Empty ID, ID must have at least one character');
    }
    if (required && embeddings === undefined) {
      throw new InvalidArgumentError('Embeddings are required');
    }
    const vectors = req.ids.map((_, i) => {
      const e = embeddings?.[i] ?? null;
      if (e === null) {
        if (required) throw new InvalidArgumentError(`Embedding at index ${i} is required`);
        return null;
      }
      return this.toVector(e, i);
    });
    const batchDim = validateEmbeddingDimensions(vectors, this.dim);
    if (this.dim === null) this.dim = batchDim;
    return vectors;
  }

  private merge(
    stored: StoredRecord,
    embedding: Float32Array | null,
    req: ModelUpdateRequest | ModelUpsertRequest,
    i: number,
  ): void {
    if (embedding !== null) stored.embedding = embedding;
    const document = req.documents?.[i] ?? null;
    if (document !== null) stored.document = document;
    const uri = req.uris?.[i] ?? null;
    if (uri !== null) stored.uri = uri;
    const metadata = req.metadatas?.[i] ?? null;
    if (metadata !== null) stored.metadata = mergeMetadata(stored.metadata, metadata);
  }

  /** Matching records in insertion order (ids AND where AND where_document). */
  private select(filters: ModelFilters): [string, StoredRecord][] {
    const where: WhereNode | undefined =
      filters.where === undefined ? undefined : parseWhere(filters.where);
    const whereDocument: WhereDocumentNode | undefined =
      filters.whereDocument === undefined ? undefined : parseWhereDocument(filters.whereDocument);
    const ids = filters.ids === undefined ? undefined : new Set(filters.ids);
    return [...this.records].filter(
      ([id, r]) =>
        (ids === undefined || ids.has(id)) &&
        matchesFilters(where, whereDocument, r.metadata, r.document),
    );
  }
}
