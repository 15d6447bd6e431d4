import { decodeEmbedding, validateEmbeddingDimensions } from '../embeddings.js';
import { InvalidArgumentError, UnprocessableEntityError } from '../errors.js';
import { INCLUDE_FIELDS, type IncludeField, type UpdateMetadata } from '../types.js';
import { typeName } from './json-type.js';
import { assertWithinLimit, Usage, type Limits } from './limits.js';
import { validateMetadata, validateUpdateMetadata } from './metadata.js';

/**
 * Checks one record id of a write: a string (else 422) of at least one character (else 400,
 * Chroma's "Empty ID, ID must have at least one character"). Returns it.
 * @param id - the JSON value
 * @param index - its position in the batch, for messages
 */
export function validateRecordId(id: unknown, index = 0): string {
  if (typeof id !== 'string') {
    throw new UnprocessableEntityError(
      `Expected ids to be a list of strings, got ${typeName(id)} at index ${index}`,
    );
  }
  if (id.length === 0) {
    throw new InvalidArgumentError('Empty ID, ID must have at least one character');
  }
  return id;
}

/**
 * Checks a document against the plan's size limit (UTF-8 bytes); QuotaExceededError when over.
 * @param document - the document text
 * @param limits - the plan's limits
 * @param action - the API action for the message
 */
export function validateDocument(document: string, limits: Limits, action = 'Add'): void {
  assertWithinLimit(
    Usage.documentBytes,
    action,
    Buffer.byteLength(document, 'utf8'),
    limits.maxDocumentBytes,
  );
}

/**
 * Checks a list of record ids: a JSON array of strings (else 422); with `nonEmpty`, each at least
 * one character (else 400, Chroma's "Empty ID, ID must have at least one character"). Duplicates
 * are allowed (operations apply in order). Returns the ids.
 * @param ids - the JSON value
 * @param nonEmpty - whether each id must be non-empty (writes: yes; get/delete filters: no)
 */
export function validateIds(ids: unknown, nonEmpty = true): string[] {
  if (!Array.isArray(ids)) {
    throw new UnprocessableEntityError(
      `Expected ids to be a list of strings, got ${typeName(ids)}`,
    );
  }
  ids.forEach((id: unknown, i) => {
    if (nonEmpty) validateRecordId(id, i);
    else if (typeof id !== 'string') {
      throw new UnprocessableEntityError(
        `Expected ids to be a list of strings, got ${typeName(id)} at index ${i}`,
      );
    }
  });
  return ids as string[];
}

/** `get`'s default include: documents and metadatas. */
export const DEFAULT_GET_INCLUDE: readonly IncludeField[] = ['documents', 'metadatas'];
/** `query`'s default include: documents, metadatas and distances. */
export const DEFAULT_QUERY_INCLUDE: readonly IncludeField[] = [
  'documents',
  'metadatas',
  'distances',
];

/**
 * Parses `include`: absent or null → a copy of `defaults`; otherwise a JSON list of known field
 * names, duplicates dropped. Anything else is a schema mismatch: UnprocessableEntityError (422),
 * worded like Chroma's deserializer ("include[0]: unknown variant `x`, expected one of ...").
 * `distances` is accepted for `get` too, where it has no effect (as in Chroma's server).
 * @param include - the JSON value
 * @param defaults - what absent means
 */
export function parseInclude(include: unknown, defaults: readonly IncludeField[]): IncludeField[] {
  if (include === undefined || include === null) return [...defaults];
  if (!Array.isArray(include)) {
    throw new UnprocessableEntityError(`Expected include to be a list, got ${typeName(include)}`);
  }
  const known = INCLUDE_FIELDS as readonly unknown[];
  const out: IncludeField[] = [];
  include.forEach((item: unknown, i) => {
    if (!known.includes(item)) {
      const shown = typeof item === 'string' ? `unknown variant \`${item}\`` : typeName(item);
      throw new UnprocessableEntityError(
        `include[${i}]: ${shown}, expected one of ` +
          [...INCLUDE_FIELDS]
            .sort()
            .map((f) => `\`${f}\``)
            .join(', '),
      );
    }
    if (!out.includes(item as IncludeField)) out.push(item as IncludeField);
  });
  return out;
}

/**
 * Parses an optional non-negative integer (`limit`, `offset`, `n_results`): undefined/null →
 * `fallback`; anything but a non-negative safe integer → UnprocessableEntityError (Chroma's u32).
 * @param value - the JSON value
 * @param field - its name, for messages
 * @param fallback - what absent means
 */
export function parseCount<T extends number | undefined>(
  value: unknown,
  field: string,
  fallback: T,
): number | T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new UnprocessableEntityError(
      `Expected ${field} to be a non-negative integer, got ${JSON.stringify(value) ?? typeName(value)}`,
    );
  }
  return value;
}

/** The write operations that carry records. */
export type WriteOperation = 'add' | 'upsert' | 'update';

/** A write body as decoded JSON, before validation. */
export interface RecordBatchBody {
  /** Record ids. */
  ids?: unknown;
  /** `number[][]` or base64 strings; required for add and upsert. */
  embeddings?: unknown;
  /** Document texts or null. */
  documents?: unknown;
  /** URIs or null. */
  uris?: unknown;
  /** Metadata objects or null. */
  metadatas?: unknown;
}

/**
 * A validated write. A field that was absent is `null`; inside a present field, a `null` entry
 * means "none" for add and "unchanged" for update/upsert (Chroma's semantics).
 */
export interface RecordBatch {
  /** The ids, in request order (duplicates allowed: later operations win). */
  ids: string[];
  /** One vector (or null: unchanged, update only) per id; null when absent (update only). */
  embeddings: (Float32Array | null)[] | null;
  /** One document or null per id; null when absent. */
  documents: (string | null)[] | null;
  /** One URI or null per id; null when absent. */
  uris: (string | null)[] | null;
  /** One metadata or null per id (null values inside only for update/upsert); null when absent. */
  metadatas: (UpdateMetadata | null)[] | null;
  /** The batch's vector dimension, or null when it carries no vector. */
  dimension: number | null;
}

/** Options of {@link validateRecordBatch}. */
export interface RecordBatchOptions {
  /** The plan's limits. */
  limits: Limits;
  /** The collection's dimension, or null while it has none (the batch then sets it). */
  collectionDimension: number | null;
}

const ACTION: { readonly [op in WriteOperation]: string } = {
  add: 'Add',
  upsert: 'Upsert',
  update: 'Update',
};

function optionalList(body: RecordBatchBody, field: keyof RecordBatchBody): unknown[] | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    throw new UnprocessableEntityError(`Expected ${field} to be a list, got ${typeName(value)}`);
  }
  return value as unknown[];
}

function stringOrNullList(list: unknown[] | null, field: string): (string | null)[] | null {
  if (list === null) return null;
  list.forEach((x, i) => {
    if (x !== null && typeof x !== 'string') {
      throw new UnprocessableEntityError(
        `Expected ${field} to be a list of strings or null, got ${typeName(x)} at index ${i}`,
      );
    }
  });
  return list as (string | null)[];
}

/**
 * Validates and decodes the body of `add`, `upsert` or `update` with Chroma's rules: ids as in
 * {@link validateIds}; every present list as long as ids ("Inconsistent number of IDs, embeddings,
 * documents, URIs and metadatas"); embeddings required and non-null for add/upsert, decoded from
 * `number[][]` or base64, finite, one dimension per batch and equal to the collection's; documents
 * and uris strings or null; metadata as in {@link validateMetadata} (null values only for
 * update/upsert); and the limits (records per write, dimension, document size, metadata).
 * @param operation - which write
 * @param body - the decoded JSON body
 * @param options - limits and the collection's dimension
 */
export function validateRecordBatch(
  operation: WriteOperation,
  body: RecordBatchBody,
  options: RecordBatchOptions,
): RecordBatch {
  const { limits } = options;
  const action = ACTION[operation];
  if (body.ids === undefined) throw new UnprocessableEntityError('missing field `ids`');
  const ids = validateIds(body.ids);
  assertWithinLimit(Usage.records, action, ids.length, limits.maxBatchSize);
  if (Number.isFinite(limits.maxIdBytes)) {
    for (const id of ids) {
      // A UTF-16 unit is at most 3 UTF-8 bytes: only ids that could be over are measured.
      if (id.length * 3 > limits.maxIdBytes) {
        assertWithinLimit(Usage.idBytes, action, Buffer.byteLength(id, 'utf8'), limits.maxIdBytes);
      }
    }
  }

  const rawEmbeddings = optionalList(body, 'embeddings');
  if (rawEmbeddings === null && operation !== 'update') {
    throw new UnprocessableEntityError('missing field `embeddings`');
  }
  const rawDocuments = optionalList(body, 'documents');
  const rawUris = optionalList(body, 'uris');
  const rawMetadatas = optionalList(body, 'metadatas');
  for (const list of [rawEmbeddings, rawDocuments, rawUris, rawMetadatas]) {
    if (list !== null && list.length !== ids.length) {
      throw new InvalidArgumentError(
        'Inconsistent number of IDs, embeddings, documents, URIs and metadatas',
      );
    }
  }

  let embeddings: (Float32Array | null)[] | null = null;
  let dimension: number | null = null;
  if (rawEmbeddings !== null) {
    embeddings = rawEmbeddings.map((e, i) => {
      if (e === null) {
        if (operation === 'update') return null;
        throw new UnprocessableEntityError(
          `Expected embedding at index ${i} to be a list of numbers or a base64 string, got null`,
        );
      }
      const v = decodeEmbedding(e, i);
      assertWithinLimit(Usage.embeddingDimensions, action, v.length, limits.maxDimension);
      return v;
    });
    dimension = validateEmbeddingDimensions(embeddings, options.collectionDimension);
  }

  const documents = stringOrNullList(rawDocuments, 'documents');
  for (const doc of documents ?? []) {
    if (doc !== null) validateDocument(doc, limits, action);
  }
  const uris = stringOrNullList(rawUris, 'uris');
  const metadatas =
    rawMetadatas === null
      ? null
      : rawMetadatas.map((m, index) =>
          m === null
            ? null
            : operation === 'add'
              ? validateMetadata(m, limits, { action, index })
              : validateUpdateMetadata(m, limits, { action, index }),
        );
  return { ids, embeddings, documents, uris, metadatas, dimension };
}

/**
 * Validates a query's `n_results` (default 10, as in Chroma's clients) against the plan limit.
 * @param value - the JSON value
 * @param limits - the plan's limits
 */
export function validateNResults(value: unknown, limits: Limits): number {
  const n = parseCount(value, 'n_results', 10);
  assertWithinLimit(Usage.nResults, 'Query', n, limits.maxQueryResults);
  return n;
}
