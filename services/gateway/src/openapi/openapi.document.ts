import * as schemas from '../http/schemas.js';

type Operation = {
  summary: string;
  body?: object;
  status?: number;
  params?: string[];
  query?: string[];
  /** Error answers beyond the common ones: status → description. */
  errors?: Record<string, string>;
};

const err = { $ref: '#/components/schemas/Error' };
const paths: Record<string, Record<string, Operation>> = {
  '/api/v2/heartbeat': { get: { summary: 'Nanosecond heartbeat' } },
  '/api/v2/healthcheck': {
    get: { summary: 'Readiness: 200 when the catalog and a query node answer' },
  },
  '/api/v2/version': { get: { summary: 'API version' } },
  '/api/v2/pre-flight-checks': {
    get: { summary: 'Client limits: max_batch_size, base64 support' },
  },
  '/api/v2/auth/identity': { get: { summary: 'The caller: user, tenant and databases' } },
  '/api/v2/reset': { post: { summary: 'Delete everything (only when enabled by config)' } },
  '/api/v2/tenants': { post: { summary: 'Create a tenant', body: schemas.createTenantSchema } },
  '/api/v2/tenants/{tenant}': {
    get: { summary: 'Get a tenant', params: ['tenant'] },
    patch: {
      summary: 'Set a tenant’s resource name',
      params: ['tenant'],
      body: schemas.updateTenantSchema,
    },
  },
  '/api/v2/tenants/{tenant}/databases': {
    get: { summary: 'List databases', params: ['tenant'], query: ['limit', 'offset'] },
    post: { summary: 'Create a database', params: ['tenant'], body: schemas.createDatabaseSchema },
  },
  '/api/v2/tenants/{tenant}/databases/{database}': {
    get: { summary: 'Get a database', params: ['tenant', 'database'] },
    delete: { summary: 'Delete a database and its collections', params: ['tenant', 'database'] },
  },
  '/api/v2/tenants/{tenant}/databases/{database}/collections': {
    get: {
      summary: 'List collections (creation order)',
      params: ['tenant', 'database'],
      query: ['limit', 'offset'],
    },
    post: {
      summary: 'Create (or get) a collection',
      params: ['tenant', 'database'],
      body: schemas.createCollectionSchema,
    },
  },
  '/api/v2/tenants/{tenant}/databases/{database}/collections_count': {
    get: { summary: 'Number of collections', params: ['tenant', 'database'] },
  },
  '/api/v2/tenants/{tenant}/databases/{database}/collections/by-id/{collection_id}': {
    get: { summary: 'Get a collection by id', params: ['tenant', 'database', 'collection_id'] },
  },
  '/api/v2/tenants/{tenant}/databases/{database}/collections/{collection_id}': {
    get: { summary: 'Get a collection by NAME', params: ['tenant', 'database', 'collection_id'] },
    put: {
      summary: 'Rename, replace metadata or update configuration (by id)',
      params: ['tenant', 'database', 'collection_id'],
      body: schemas.updateCollectionSchema,
    },
    delete: {
      summary: 'Delete a collection by NAME',
      params: ['tenant', 'database', 'collection_id'],
    },
  },
};
const recordRoutes: [string, Operation][] = [
  [
    'add',
    {
      summary: 'Add records (existing ids are left unchanged)',
      body: schemas.addSchema,
      status: 201,
    },
  ],
  ['upsert', { summary: 'Insert or merge records', body: schemas.upsertSchema }],
  ['update', { summary: 'Update existing records', body: schemas.updateSchema }],
  ['delete', { summary: 'Delete records by ids and/or filters', body: schemas.deleteSchema }],
  ['get', { summary: 'Get records (first-insertion order)', body: schemas.getSchema }],
  ['query', { summary: 'Nearest neighbours per query vector', body: schemas.querySchema }],
];
for (const [verb, op] of recordRoutes) {
  paths[`/api/v2/tenants/{tenant}/databases/{database}/collections/{collection_id}/${verb}`] = {
    post: { ...op, params: ['tenant', 'database', 'collection_id'] },
  };
}
paths['/api/v2/tenants/{tenant}/databases/{database}/collections/{collection_id}/count'] = {
  get: { summary: 'Number of records', params: ['tenant', 'database', 'collection_id'] },
};
const collectionPath = '/api/v2/tenants/{tenant}/databases/{database}/collections/{collection_id}';
const collectionParams = ['tenant', 'database', 'collection_id'];
paths[`${collectionPath}/fork`] = {
  post: {
    summary:
      'Fork a collection copy-on-write (shares segments and log up to now; also on single-node)',
    params: collectionParams,
    body: schemas.forkCollectionSchema,
    errors: { '409': 'A collection with the new name exists' },
  },
};
paths[`${collectionPath}/fork_count`] = {
  get: {
    summary: 'Live forks in the collection’s lineage tree: {"count": n}',
    params: collectionParams,
  },
};
paths[`${collectionPath}/indexing_status`] = {
  get: {
    summary:
      'Compaction lag: num_indexed_ops, num_unindexed_ops, total_ops, op_indexing_progress (0..1)',
    params: collectionParams,
  },
};
paths[`${collectionPath}/search`] = {
  post: {
    summary: 'Search API: not supported by HueDB yet (501 for a well-formed request)',
    params: collectionParams,
    body: schemas.searchSchema,
    errors: { '501': 'The Search API is not supported yet' },
  },
};
paths['/api/v2/collections/{crn}'] = {
  get: {
    summary: 'Get a collection by Chroma resource name tenant_resource_name:database:collection',
    params: ['crn'],
  },
};

/** The OpenAPI 3 document served at /openapi.json, built from the same schemas the gateway validates with. */
export function openApiDocument(version: string): object {
  const openapiPaths: Record<string, Record<string, object>> = {};
  for (const [path, ops] of Object.entries(paths)) {
    openapiPaths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      openapiPaths[path][method] = {
        summary: op.summary,
        parameters: [
          ...(op.params ?? []).map((name) => ({
            name,
            in: 'path',
            required: true,
            schema: { type: 'string' },
          })),
          ...(op.query ?? []).map((name) => ({
            name,
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 0 },
          })),
        ],
        ...(op.body
          ? {
              requestBody: { required: true, content: { 'application/json': { schema: op.body } } },
            }
          : {}),
        responses: {
          [String(op.status ?? 200)]: {
            description: 'Success',
            content: { 'application/json': { schema: {} } },
          },
          '400': {
            description: 'Invalid argument',
            content: { 'application/json': { schema: err } },
          },
          '404': { description: 'Not found', content: { 'application/json': { schema: err } } },
          '422': {
            description: 'Body does not match the schema, or a quota is exceeded',
            content: { 'application/json': { schema: err } },
          },
          '500': {
            description: 'Internal error',
            content: { 'application/json': { schema: err } },
          },
          ...Object.fromEntries(
            Object.entries(op.errors ?? {}).map(([status, description]) => [
              status,
              { description, content: { 'application/json': { schema: err } } },
            ]),
          ),
        },
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'HueDB',
      description: "HueDB speaks Chroma's HTTP API v2.",
      version,
      license: { name: 'Apache-2.0' },
    },
    paths: openapiPaths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string' }, message: { type: 'string' } },
        },
      },
      securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-chroma-token' } },
    },
    security: [{ ApiKeyAuth: [] }],
  };
}
