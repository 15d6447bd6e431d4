/**
 * JSON Schemas of what the gateway answers, for the route contracts (openapi/contract.ts). Names
 * and shapes are Chroma 1.5.9's (its own openapi.json), tightened to what HueDB always sends:
 * HueDB writes every field of a collection or a read result, so all of them are required here,
 * where Chroma's document leaves most optional. Where Chroma's document disagrees with Chroma's
 * server (the healthcheck body), the schema follows the server.
 */
import { named } from './schema-names.js';
import { metadataSchema } from './schemas.js';

const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const uuid = { type: 'string', format: 'uuid' };
const count = { type: 'integer', minimum: 0 };
const strings = { type: 'array', items: { type: 'string' } };
const responseMetadata = nullable(metadataSchema);

/** Chroma's ErrorResponse: the body of every error answer. */
export const errorSchema = named('ErrorResponse', {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
});

/** An empty object: what Chroma answers for a write with nothing to report. */
export const emptySchema = named('EmptyResponse', { type: 'object', additionalProperties: false });

export const heartbeatSchema = named('HeartbeatResponse', {
  type: 'object',
  required: ['nanosecond heartbeat'],
  properties: { 'nanosecond heartbeat': count },
});
/** Chroma's document says "string"; Chroma's server (and HueDB) send this object. */
export const healthcheckSchema = named('HealthcheckResponse', {
  type: 'object',
  required: ['is_executor_ready', 'is_log_client_ready'],
  properties: { is_executor_ready: { type: 'boolean' }, is_log_client_ready: { type: 'boolean' } },
});
export const versionSchema = { type: 'string' };
export const checklistSchema = named('ChecklistResponse', {
  type: 'object',
  required: ['max_batch_size', 'supports_base64_encoding'],
  properties: { max_batch_size: count, supports_base64_encoding: { type: 'boolean' } },
});
export const identitySchema = named('GetUserIdentityResponse', {
  type: 'object',
  required: ['user_id', 'tenant', 'databases'],
  properties: { user_id: { type: 'string' }, tenant: { type: 'string' }, databases: strings },
});
export const resetSchema = { type: 'boolean' };
export const countSchema = { ...count, maximum: 4_294_967_295 };

export const tenantSchema = named('GetTenantResponse', {
  type: 'object',
  required: ['name', 'resource_name'],
  properties: { name: { type: 'string' }, resource_name: nullable({ type: 'string' }) },
});
export const databaseSchema = named('Database', {
  type: 'object',
  required: ['id', 'name', 'tenant'],
  properties: { id: uuid, name: { type: 'string' }, tenant: { type: 'string' } },
});
export const databasesSchema = { type: 'array', items: databaseSchema };

export const collectionSchema = named('Collection', {
  type: 'object',
  required: [
    'id',
    'name',
    'configuration_json',
    'schema',
    'metadata',
    'dimension',
    'tenant',
    'database',
    'log_position',
    'version',
  ],
  properties: {
    id: uuid,
    name: { type: 'string' },
    // Chroma's CollectionConfiguration (hnsw, spann, embedding_function) and Schema: HueDB
    // returns what it was given plus its defaults; their inner shape is Chroma's.
    configuration_json: { type: 'object' },
    schema: { type: 'object' },
    metadata: responseMetadata,
    dimension: nullable({ type: 'integer', minimum: 0 }),
    tenant: { type: 'string' },
    database: { type: 'string' },
    log_position: count,
    version: count,
  },
});
export const collectionsSchema = { type: 'array', items: collectionSchema };

export const deleteRecordsSchema = named('DeleteCollectionRecordsResponse', {
  type: 'object',
  required: ['deleted'],
  properties: { deleted: count },
});
export const forkCountSchema = named('ForkCountResponse', {
  type: 'object',
  required: ['count'],
  properties: { count },
});
export const indexingStatusSchema = named('IndexStatusResponse', {
  type: 'object',
  required: ['op_indexing_progress', 'num_unindexed_ops', 'num_indexed_ops', 'total_ops'],
  properties: {
    op_indexing_progress: { type: 'number', minimum: 0, maximum: 1 },
    num_unindexed_ops: count,
    num_indexed_ops: count,
    total_ops: count,
  },
});

const include = {
  type: 'array',
  items: { type: 'string', enum: ['distances', 'documents', 'embeddings', 'metadatas', 'uris'] },
};
const vector = { type: 'array', items: { type: 'number' } };
const optionalStrings = { type: 'array', items: nullable({ type: 'string' }) };
/** One array per field, one entry per record; a field not included is null. */
export const getResultSchema = named('GetResponse', {
  type: 'object',
  required: ['ids', 'embeddings', 'documents', 'uris', 'metadatas', 'include'],
  properties: {
    ids: strings,
    embeddings: nullable({ type: 'array', items: vector }),
    documents: nullable(optionalStrings),
    uris: nullable(optionalStrings),
    metadatas: nullable({ type: 'array', items: responseMetadata }),
    include,
  },
});
/** As {@link getResultSchema}, one level deeper (one list per query vector), plus distances. */
export const queryResultSchema = named('QueryResponse', {
  type: 'object',
  required: ['ids', 'embeddings', 'documents', 'uris', 'metadatas', 'distances', 'include'],
  properties: {
    ids: { type: 'array', items: strings },
    embeddings: nullable({ type: 'array', items: { type: 'array', items: vector } }),
    documents: nullable({ type: 'array', items: optionalStrings }),
    uris: nullable({ type: 'array', items: optionalStrings }),
    metadatas: nullable({ type: 'array', items: { type: 'array', items: responseMetadata } }),
    distances: nullable({ type: 'array', items: vector }),
    include,
  },
});

/** The served OpenAPI document itself. */
export const openApiSchema = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: { openapi: { type: 'string' } },
};
