/**
 * JSON Schemas of the Chroma v2 request bodies: the gateway validates shapes with them (422 on
 * mismatch) and /openapi.json publishes them. Semantics are checked after, with @huedb/core.
 */
import { named } from './schema-names.js';

const scalar = { type: ['string', 'number', 'boolean'] };
const metadataValue = {
  anyOf: [
    scalar,
    { type: 'array', items: { type: 'string' } },
    { type: 'array', items: { type: 'number' } },
    { type: 'array', items: { type: 'boolean' } },
  ],
};
export const metadataSchema = named('HashMap', {
  type: 'object',
  additionalProperties: metadataValue,
});
const updateMetadataSchema = named('UpdateMetadata', {
  type: 'object',
  additionalProperties: { anyOf: [metadataValue, { type: 'null' }] },
});
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
/** An embedding: numbers, or base64 of little-endian float32 (what the Python client sends). */
const embedding = { anyOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }] };
const includeSchema = named('IncludeList', {
  type: 'array',
  items: { type: 'string', enum: ['documents', 'embeddings', 'metadatas', 'distances', 'uris'] },
});
const where = { type: 'object' };
// Chroma's counts are u32: a larger one is a 422 from its deserializer.
const nonNegativeInt = { type: 'integer', minimum: 0, maximum: 4_294_967_295 };

export const createTenantSchema = named('CreateTenantPayload', {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
});
export const updateTenantSchema = named('UpdateTenantPayload', {
  type: 'object',
  required: ['resource_name'],
  properties: { resource_name: { type: 'string' } },
});
export const createDatabaseSchema = named('CreateDatabasePayload', { ...createTenantSchema });

export const createCollectionSchema = named('CreateCollectionPayload', {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    metadata: nullable(metadataSchema),
    configuration: nullable({ type: 'object' }),
    schema: nullable({ type: 'object' }),
    get_or_create: { type: 'boolean' },
  },
});
export const updateCollectionSchema = named('UpdateCollectionPayload', {
  type: 'object',
  properties: {
    new_name: nullable({ type: 'string' }),
    new_metadata: nullable(metadataSchema),
    new_configuration: nullable({ type: 'object' }),
  },
});

export const forkCollectionSchema = named('ForkCollectionPayload', {
  type: 'object',
  required: ['new_name'],
  properties: { new_name: { type: 'string' } },
});
/** Chroma's ReadLevel (the `read_level` of search, and of count's query string). */
export const readLevelSchema = named('ReadLevel', {
  type: 'string',
  enum: ['index_and_wal', 'index_only', 'index_and_bounded_wal'],
});
/** Only the envelope of Chroma's Search API (not served yet): enough to answer Chroma's 422s. */
export const searchSchema = named('SearchRequestPayload', {
  type: 'object',
  required: ['searches'],
  properties: {
    searches: { type: 'array', items: { type: 'object' } },
    read_level: readLevelSchema,
  },
});

const recordsBase = {
  ids: { type: 'array', items: { type: 'string' } },
  documents: nullable({ type: 'array', items: nullable({ type: 'string' }) }),
  uris: nullable({ type: 'array', items: nullable({ type: 'string' }) }),
};
export const addSchema = named('AddCollectionRecordsPayload', {
  type: 'object',
  required: ['ids', 'embeddings'],
  properties: {
    ...recordsBase,
    embeddings: { anyOf: [{ type: 'array', items: embedding }] },
    metadatas: nullable({ type: 'array', items: nullable(metadataSchema) }),
  },
});
export const upsertSchema = named('UpsertCollectionRecordsPayload', {
  type: 'object',
  required: ['ids', 'embeddings'],
  properties: {
    ...recordsBase,
    embeddings: { type: 'array', items: embedding },
    metadatas: nullable({ type: 'array', items: nullable(updateMetadataSchema) }),
  },
});
export const updateSchema = named('UpdateCollectionRecordsPayload', {
  type: 'object',
  required: ['ids'],
  properties: {
    ...recordsBase,
    embeddings: nullable({ type: 'array', items: nullable(embedding) }),
    metadatas: nullable({ type: 'array', items: nullable(updateMetadataSchema) }),
  },
});
export const deleteSchema = named('DeleteCollectionRecordsPayload', {
  type: 'object',
  properties: {
    ids: nullable({ type: 'array', items: { type: 'string' } }),
    where: nullable(where),
    where_document: nullable(where),
    limit: nullable(nonNegativeInt),
  },
});
export const getSchema = named('GetRequestPayload', {
  type: 'object',
  properties: {
    ids: nullable({ type: 'array', items: { type: 'string' } }),
    where: nullable(where),
    where_document: nullable(where),
    limit: nullable(nonNegativeInt),
    offset: nullable(nonNegativeInt),
    include: includeSchema,
  },
});
export const querySchema = named('QueryRequestPayload', {
  type: 'object',
  required: ['query_embeddings'],
  properties: {
    query_embeddings: { type: 'array', items: embedding },
    n_results: nullable(nonNegativeInt),
    ids: nullable({ type: 'array', items: { type: 'string' } }),
    where: nullable(where),
    where_document: nullable(where),
    include: includeSchema,
  },
});

type Nullable<T> = T | null | undefined;
export type JsonMetadata = Record<
  string,
  string | number | boolean | string[] | number[] | boolean[]
>;
export type JsonUpdateMetadata = Record<string, JsonMetadata[string] | null>;
export type JsonEmbedding = number[] | string;

export interface CreateCollectionBody {
  name: string;
  metadata?: Nullable<JsonMetadata>;
  configuration?: Nullable<Record<string, unknown>>;
  schema?: Nullable<Record<string, unknown>>;
  get_or_create?: boolean;
}
export interface UpdateCollectionBody {
  new_name?: Nullable<string>;
  new_metadata?: Nullable<JsonMetadata>;
  new_configuration?: Nullable<Record<string, unknown>>;
}
export interface RecordsBody {
  ids: string[];
  embeddings?: Nullable<Nullable<JsonEmbedding>[]>;
  documents?: Nullable<Nullable<string>[]>;
  uris?: Nullable<Nullable<string>[]>;
  metadatas?: Nullable<Nullable<JsonUpdateMetadata>[]>;
}
export interface DeleteBody {
  ids?: Nullable<string[]>;
  where?: Nullable<object>;
  where_document?: Nullable<object>;
  limit?: Nullable<number>;
}
export type IncludeValue = 'documents' | 'embeddings' | 'metadatas' | 'distances' | 'uris';
export interface GetBody extends DeleteBody {
  offset?: Nullable<number>;
  include?: IncludeValue[];
}
export interface QueryBody {
  query_embeddings: JsonEmbedding[];
  n_results?: Nullable<number>;
  ids?: Nullable<string[]>;
  where?: Nullable<object>;
  where_document?: Nullable<object>;
  include?: IncludeValue[];
}
