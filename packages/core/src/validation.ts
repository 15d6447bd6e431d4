import { decodeEmbedding, validateEmbeddingDimensions } from './embeddings.js';
import { InvalidArgumentError, QuotaExceededError, UnprocessableEntityError } from './errors.js';
import { nullObject, setOwn } from './own.js';
import {
  INCLUDE_FIELDS,
  type IncludeField,
  type Metadata,
  type MetadataValue,
  type UpdateMetadata,
  type UpdateMetadataValue,
} from './types.js';

/**
 * Chroma's input rules as functions. Three kinds of failure, as in Chroma:
 * - a body that does not fit the API's schema (a wrong JSON type, a missing required field, an
 *   unknown `include` value) → UnprocessableEntityError (422), which Chroma's JSON deserializer
 *   gives before any rule runs;
 * - a well-typed value that breaks a rule (empty id, reserved key, bad name, non-finite vector,
 *   wrong dimension, mismatched lengths) → InvalidArgumentError (400);
 * - a value over a plan limit ({@link Limits}) → QuotaExceededError (422), worded like hosted
 *   Chroma's quota enforcer.
 */

/**
 * Plan limits. Two sets ship: {@link HOSTED_LIMITS} (hosted Chroma's, docs/chroma-api.md; the
 * cluster's default) and {@link UNLIMITED_LIMITS} (what `chroma run` enforces: none of these;
 * single-node's). A limit of `Infinity` is never exceeded.
 */
export interface Limits {
  /** Most dimensions an embedding may have. */
  readonly maxDimension: number;
  /** Largest document, in UTF-8 bytes. */
  readonly maxDocumentBytes: number;
  /** Largest string metadata value, in UTF-8 bytes (a string list: the sum of its elements). */
  readonly maxMetadataValueBytes: number;
  /** Most keys one record's metadata may have. */
  readonly maxMetadataKeys: number;
  /** Most predicates in one `where` (and, separately, one `where_document`). */
  readonly maxWherePredicates: number;
  /** Largest `n_results` of a query. */
  readonly maxQueryResults: number;
  /** Most records in one write. */
  readonly maxBatchSize: number;
  /**
   * What pre-flight advertises as `max_batch_size` (a finite integer): Chroma's clients refuse
   * or split writes larger than this. Not enforced by itself; see `maxBatchSize`.
   */
  readonly preflightMaxBatchSize: number;
}

/** Hosted Chroma's limits: 4096 dimensions, 16 KiB documents, 8 KiB metadata strings, 32 keys,
 * 8 where predicates, 300 results, 1000 records per write. */
export const HOSTED_LIMITS: Limits = Object.freeze({
  maxDimension: 4096,
  maxDocumentBytes: 16 * 1024,
  maxMetadataValueBytes: 8 * 1024,
  maxMetadataKeys: 32,
  maxWherePredicates: 8,
  maxQueryResults: 300,
  maxBatchSize: 1000,
  preflightMaxBatchSize: 1000,
});

/** The same as {@link HOSTED_LIMITS} (the name older code imports). */
export const DEFAULT_LIMITS: Limits = HOSTED_LIMITS;

/**
 * What `chroma run` (Chroma 1.5.9, local) enforces: no plan limit at all — it takes 40 metadata
 * keys, 100 kB documents and metadata strings, 12 where predicates, any u32 `n_results`, 70,000
 * dimensions and 30,000 records in one add. Only the server's own safety limits (body size,
 * JSON nesting depth) remain, and those are not plan limits. Pre-flight advertises
 * `max_batch_size` 5461, as `chroma run` does.
 */
export const UNLIMITED_LIMITS: Limits = Object.freeze({
  maxDimension: Infinity,
  maxDocumentBytes: Infinity,
  maxMetadataValueBytes: Infinity,
  maxMetadataKeys: Infinity,
  maxWherePredicates: Infinity,
  maxQueryResults: Infinity,
  maxBatchSize: Infinity,
  preflightMaxBatchSize: 5461,
});

/** The named limit sets a deployment can be configured with. */
export const LIMIT_PROFILES = Object.freeze({ hosted: HOSTED_LIMITS, unlimited: UNLIMITED_LIMITS });

/** The name of a limit set in {@link LIMIT_PROFILES}. */
export type LimitProfile = keyof typeof LIMIT_PROFILES;

/** What a limit measures, in hosted Chroma's words (used in QuotaExceededError messages). */
export const Usage = {
  embeddingDimensions: 'Embedding dimension',
  documentBytes: 'Document size (bytes)',
  metadataValueBytes: 'Size of metadata dictionary value (bytes)',
  metadataKeys: 'Number of metadata dictionary keys',
  wherePredicates: 'Number of where clause predicates',
  whereDocumentPredicates: 'Number of where document predicates',
  nResults: 'Number of results',
  records: 'Number of records',
} as const;

/**
 * Throws QuotaExceededError when `current` exceeds `limit`.
 * @param usage - what is measured (see {@link Usage})
 * @param action - the API action, e.g. `Add`, `Query`
 * @param current - the measured value
 * @param limit - the largest allowed value
 */
export function assertWithinLimit(
  usage: string,
  action: string,
  current: number,
  limit: number,
): void {
  if (current > limit) throw QuotaExceededError.forUsage(usage, action, current, limit);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$/;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
// Rust's Ipv4Addr::from_str: four decimal octets, no leading zeros. (IPv6 cannot pass NAME_RE.)
const IPV4_RE = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** What a name names, for messages. */
export type NameKind = 'tenant' | 'database' | 'collection';

/**
 * Checks a tenant, database or collection name with Chroma's rules and messages
 * (rust/types/src/validators.rs `validate_name`): 3–512 characters of `[a-zA-Z0-9._-]`, starting
 * and ending alphanumeric, no `..`, not an IPv4 address. (Chroma's `topology+name` database form
 * is not supported.) Returns the name.
 * @param name - the JSON value (a non-string is a schema mismatch, 422)
 * @param kind - what it names, for the schema-mismatch message
 */
export function validateName(name: unknown, kind: NameKind = 'collection'): string {
  if (typeof name !== 'string') {
    throw new UnprocessableEntityError(
      `Expected ${kind} name to be a string, got ${typeName(name)}`,
    );
  }
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`Validation error: name: ${message}`);
  };
  if (!NAME_RE.test(name)) {
    fail(
      'Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending ' +
        `with a character in [a-zA-Z0-9]. Got: ${name}`,
    );
  }
  if (name.includes('..')) {
    fail(`Expected a name that does not contains two consecutive periods (..). Got ${name}`);
  }
  if (IPV4_RE.test(name)) fail(`Expected a name that is not a valid ip address. Got ${name}`);
  return name;
}

/**
 * {@link validateName} for a tenant name.
 * @param name - the JSON value
 */
export function validateTenantName(name: unknown): string {
  return validateName(name, 'tenant');
}

/**
 * {@link validateName} for a database name.
 * @param name - the JSON value
 */
export function validateDatabaseName(name: unknown): string {
  return validateName(name, 'database');
}

/**
 * {@link validateName} for a collection name.
 * @param name - the JSON value
 */
export function validateCollectionName(name: unknown): string {
  return validateName(name, 'collection');
}

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

/**
 * Checks a metadata key: non-empty, not starting with `#` or `$` (Chroma's messages). Any other
 * key is valid, `__proto__`, `constructor` and `toString` included, as in Chroma.
 * @param key - the key
 */
export function validateMetadataKey(key: string): void {
  if (key.length === 0) throw new InvalidArgumentError('Metadata key cannot be empty');
  if (key.startsWith('#') || key.startsWith('$')) {
    throw new InvalidArgumentError(`Metadata key cannot start with '#' or '$': ${key}`);
  }
}

/** Where a metadata comes from, for messages. */
export interface MetadataContext {
  /** The API action for quota messages, e.g. `Add`. */
  action?: string;
  /** The record's position in the batch. */
  index?: number;
}

function checkMetadataValue(
  key: string,
  value: unknown,
  allowNull: boolean,
  limits: Limits | undefined,
  context: MetadataContext,
): MetadataValue | null {
  const where = context.index === undefined ? '' : ` at index ${context.index}`;
  const checkBytes = (bytes: number) => {
    if (limits) {
      assertWithinLimit(
        Usage.metadataValueBytes,
        context.action ?? 'Add',
        bytes,
        limits.maxMetadataValueBytes,
      );
    }
  };
  if (value === null) {
    if (allowNull) return null;
    throw new UnprocessableEntityError(
      `Expected metadata value for key '${key}'${where} to be a str, int, float, bool or list, got null`,
    );
  }
  if (typeof value === 'string') {
    checkBytes(Buffer.byteLength(value, 'utf8'));
    return value;
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidArgumentError(`Metadata value for key '${key}'${where} must be finite`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      throw new InvalidArgumentError(
        `Expected metadata list value for key '${key}'${where} to be non-empty`,
      );
    }
    const first = typeof value[0];
    const ok =
      (first === 'string' || first === 'number' || first === 'boolean') &&
      value.every((x) => typeof x === first && (first !== 'number' || Number.isFinite(x)));
    if (!ok) {
      throw new UnprocessableEntityError(
        `Expected metadata list value for key '${key}'${where} to contain only str, int, float, ` +
          'or bool and all elements must be the same type',
      );
    }
    if (first === 'string') {
      checkBytes((value as string[]).reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0));
    }
    return [...(value as string[] | number[] | boolean[])] as MetadataValue;
  }
  throw new UnprocessableEntityError(
    `Expected metadata value for key '${key}'${where} to be a str, int, float, bool or list, got ${typeName(value)}`,
  );
}

function checkMetadata(
  metadata: unknown,
  allowNull: boolean,
  limits: Limits | undefined,
  context: MetadataContext,
): UpdateMetadata {
  if (!isPlainObject(metadata)) {
    const where = context.index === undefined ? '' : ` at index ${context.index}`;
    throw new UnprocessableEntityError(
      `Expected metadata${where} to be a dict, got ${typeName(metadata)}`,
    );
  }
  const keys = Object.keys(metadata);
  if (limits) {
    assertWithinLimit(
      Usage.metadataKeys,
      context.action ?? 'Add',
      keys.length,
      limits.maxMetadataKeys,
    );
  }
  const out = nullObject<UpdateMetadataValue>();
  for (const key of keys) {
    validateMetadataKey(key);
    setOwn(out, key, checkMetadataValue(key, metadata[key], allowNull, limits, context));
  }
  return out;
}

/**
 * Checks one record's metadata (add) and returns a copy: a JSON object (else 422) whose keys pass
 * {@link validateMetadataKey} and whose values are str/int/float/bool or non-empty homogeneous
 * lists of one of those (empty list → 400; null, mixed lists, objects → 422). An empty object is
 * allowed (Chroma's server takes it; it reads back as null). With `limits`, enforces the key count
 * and string sizes (QuotaExceededError).
 * @param metadata - the JSON value
 * @param limits - the plan's limits, if they are to be enforced
 * @param context - action and index, for messages
 */
export function validateMetadata(
  metadata: unknown,
  limits?: Limits,
  context: MetadataContext = {},
): Metadata {
  return checkMetadata(metadata, false, limits, context) as Metadata;
}

/**
 * Like {@link validateMetadata}, for update and upsert metadata, where a `null` value (delete the
 * key) is allowed.
 * @param metadata - the JSON value
 * @param limits - the plan's limits, if they are to be enforced
 * @param context - action and index, for messages
 */
export function validateUpdateMetadata(
  metadata: unknown,
  limits?: Limits,
  context: MetadataContext = {},
): UpdateMetadata {
  return checkMetadata(metadata, true, limits, context);
}

/**
 * Checks a collection's metadata (create, or PUT's `new_metadata`) and returns a copy: a
 * non-empty JSON object ("Metadata cannot be empty") with valid keys and str/int/float/bool values.
 * @param metadata - the JSON value
 */
export function validateCollectionMetadata(metadata: unknown): Metadata {
  const out = validateMetadata(metadata);
  const keys = Object.keys(out);
  if (keys.length === 0) throw new InvalidArgumentError('Metadata cannot be empty');
  for (const key of keys) {
    if (Array.isArray(out[key])) {
      throw new InvalidArgumentError(
        `Expected collection metadata value for key '${key}' to be a str, int, float or bool`,
      );
    }
  }
  return out;
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
