import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getAdminToken, getGatewayUrls, uniqueName } from '@huedb/testing';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * Bad input gets Chroma's error (name and status) and changes nothing: after every rejected
 * request the collection's records are exactly what they were.
 */
describe('bad input', () => {
  let id: string;
  let records: string;
  const base = () => `${DB}/collections/${id}`;

  const snapshot = async () =>
    JSON.stringify(
      (
        await http('POST', `${base()}/get`, {
          include: ['embeddings', 'documents', 'metadatas', 'uris'],
        })
      ).body,
    );

  beforeAll(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('bad'),
      embeddingFunction: null,
    });
    id = c.id;
    await c.add({
      ids: ['a', 'b'],
      embeddings: [
        [1, 2],
        [3, 4],
      ],
      documents: ['x', 'y'],
      metadatas: [{ k: 1 }, { k: 2 }],
    });
    records = await snapshot();
  });

  const cases: [
    string,
    string,
    () => Promise<{ status: number; body: unknown }>,
    number,
    string,
  ][] = [
    [
      'malformed JSON',
      'add',
      () => http('POST', `${base()}/add`, undefined, { rawBody: '{"ids": [' }),
      400,
      'InvalidArgumentError',
    ],
    [
      'wrong type for ids',
      'add',
      () => http('POST', `${base()}/add`, { ids: 'a', embeddings: [[1, 2]] }),
      422,
      'ChromaError',
    ],
    [
      'embedding of strings',
      'add',
      () => http('POST', `${base()}/add`, { ids: ['c'], embeddings: [['1', '2']] }),
      422,
      'ChromaError',
    ],
    [
      'missing embeddings on add',
      'add',
      () => http('POST', `${base()}/add`, { ids: ['c'] }),
      422,
      'ChromaError',
    ],
    [
      'NaN literal (not JSON)',
      'add',
      () =>
        http('POST', `${base()}/add`, undefined, {
          rawBody: '{"ids":["c"],"embeddings":[[NaN, 1]]}',
        }),
      400,
      'InvalidArgumentError',
    ],
    [
      'Infinity literal (not JSON)',
      'upsert',
      () =>
        http('POST', `${base()}/upsert`, undefined, {
          rawBody: '{"ids":["a"],"embeddings":[[Infinity, 1]]}',
        }),
      400,
      'InvalidArgumentError',
    ],
    [
      'NaN in base64',
      'add',
      () =>
        http('POST', `${base()}/add`, {
          ids: ['c'],
          embeddings: [Buffer.from(new Float32Array([NaN, 1]).buffer).toString('base64')],
        }),
      400,
      'InvalidArgumentError',
    ],
    [
      'number too large for float32',
      'add',
      () => http('POST', `${base()}/add`, { ids: ['c'], embeddings: [[1e39, 1]] }),
      400,
      'InvalidArgumentError',
    ],
    [
      'lengths differ',
      'add',
      () => http('POST', `${base()}/add`, { ids: ['c', 'd'], embeddings: [[1, 2]] }),
      400,
      'InvalidArgumentError',
    ],
    [
      'empty id',
      'add',
      () => http('POST', `${base()}/add`, { ids: [''], embeddings: [[1, 2]] }),
      400,
      'InvalidArgumentError',
    ],
    [
      'mixed dimensions',
      'add',
      () =>
        http('POST', `${base()}/add`, {
          ids: ['c', 'd'],
          embeddings: [
            [1, 2],
            [1, 2, 3],
          ],
        }),
      400,
      'InvalidArgumentError',
    ],
    [
      'wrong dimension',
      'upsert',
      () => http('POST', `${base()}/upsert`, { ids: ['a'], embeddings: [[1, 2, 3]] }),
      400,
      'InvalidArgumentError',
    ],
    [
      'metadata key with $',
      'update',
      () => http('POST', `${base()}/update`, { ids: ['a'], metadatas: [{ $bad: 1 }] }),
      400,
      'InvalidArgumentError',
    ],
    [
      'metadata object value',
      'update',
      () => http('POST', `${base()}/update`, { ids: ['a'], metadatas: [{ k: { nested: 1 } }] }),
      422,
      'ChromaError',
    ],
    [
      'mixed-type list',
      'update',
      () => http('POST', `${base()}/update`, { ids: ['a'], metadatas: [{ k: [1, 'x'] }] }),
      422,
      'ChromaError',
    ],
    [
      'invalid where',
      'delete',
      () => http('POST', `${base()}/delete`, { where: { k: 1, j: 2 } }),
      400,
      'InvalidArgumentError',
    ],
    [
      'range on a string',
      'delete',
      () => http('POST', `${base()}/delete`, { where: { k: { $gt: 'a' } } }),
      400,
      'InvalidArgumentError',
    ],
    [
      'delete with ids: [] and no filter',
      'delete',
      () => http('POST', `${base()}/delete`, { ids: [] }),
      400,
      'InvalidArgumentError',
    ],
    [
      'unknown include',
      'get',
      () => http('POST', `${base()}/get`, { include: ['bogus'] }),
      422,
      'ChromaError',
    ],
    [
      'negative limit',
      'get',
      () => http('POST', `${base()}/get`, { limit: -1 }),
      422,
      'ChromaError',
    ],
    [
      'n_results over u32 (plan limits: limits.test.ts)',
      'query',
      () =>
        http('POST', `${base()}/query`, { query_embeddings: [[1, 2]], n_results: 4_294_967_296 }),
      422,
      'ChromaError',
    ],
    [
      'form-encoded body',
      'add',
      () =>
        http('POST', `${base()}/add`, undefined, {
          rawBody: 'ids=a',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      415,
      'ChromaError',
    ],
  ];

  for (const [label, , call, status, error] of cases) {
    it(`${label} → ${status} ${error}, nothing changes`, async () => {
      const res = await call();
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ error });
      expect(typeof (res.body as { message: unknown }).message).toBe('string');
      expect(await snapshot()).toBe(records);
    });
  }

  it('an unknown collection id is 404, a malformed one 400', async () => {
    const missing = randomUUID();
    expect(
      await http('POST', `${DB}/collections/${missing}/add`, { ids: ['a'], embeddings: [[1, 2]] }),
    ).toMatchObject({
      status: 404,
      body: { error: 'NotFoundError' },
    });
    expect(await http('GET', `${DB}/collections/${missing}/count`)).toMatchObject({ status: 404 });
    expect(await http('POST', `${DB}/collections/not-a-uuid/get`, {})).toMatchObject({
      status: 400,
      body: { error: 'InvalidArgumentError', message: 'Collection ID is not a valid UUIDv4' },
    });
  });

  it("another tenant's collection id is 404 and untouched", async () => {
    const tenant = uniqueName('other');
    await http('POST', '/api/v2/tenants', { name: tenant });
    await http('POST', `/api/v2/tenants/${tenant}/databases`, { name: 'db1' });
    const foreign = `/api/v2/tenants/${tenant}/databases/db1/collections/${id}`;
    for (const [method, path, body] of [
      ['POST', 'add', { ids: ['z'], embeddings: [[1, 2]] }],
      ['POST', 'delete', { ids: ['a'] }],
      ['POST', 'get', {}],
      ['GET', 'count', undefined],
    ] as const) {
      expect(await http(method, `${foreign}/${path}`, body), path).toMatchObject({
        status: 404,
        body: { error: 'NotFoundError' },
      });
    }
    expect(
      await http('GET', `/api/v2/tenants/${tenant}/databases/db1/collections/by-id/${id}`),
    ).toMatchObject({ status: 404 });
    expect(await snapshot()).toBe(records);
  });

  it('answers the v1 API with 410 and unknown routes with 404 in Chroma format', async () => {
    expect(await http('GET', '/api/v1/heartbeat')).toEqual(
      expect.objectContaining({
        status: 410,
        body: { error: 'Unimplemented', message: 'The v1 API is deprecated. Please use /v2 apis' },
      }),
    );
    expect(await http('GET', '/api/v2/nope')).toMatchObject({
      status: 404,
      body: { error: 'NotFoundError' },
    });
  });

  it('serves the system routes', async () => {
    const heartbeat = (await http('GET', '/api/v2/heartbeat')).body as Record<string, unknown>;
    expect(Object.keys(heartbeat)).toEqual(['nanosecond heartbeat']);
    expect(typeof heartbeat['nanosecond heartbeat']).toBe('number');
    expect(await http('GET', '/api/v2/version')).toMatchObject({ status: 200, body: '1.0.0' });
    // pre-flight's max_batch_size depends on the plan limits: limits.test.ts.
    expect((await http('GET', '/api/v2/pre-flight-checks')).body).toMatchObject({
      supports_base64_encoding: true,
    });
    // Anonymous without auth (single-node, as `chroma run`); the admin, on every tenant, with it.
    expect((await http('GET', '/api/v2/auth/identity')).body).toMatchObject(
      getAdminToken()
        ? { tenant: '*', databases: ['*'] }
        : { tenant: 'default_tenant', databases: ['default_database'] },
    );
    expect((await http('GET', '/api/v2/healthcheck')).status).toBe(200);
    const openapi = await http('GET', '/openapi.json');
    expect(openapi.body).toMatchObject({
      openapi: '3.1.0',
      components: { securitySchemes: { ApiKeyAuth: { name: 'x-chroma-token' } } },
    });
    const docs = await fetch(new URL('/docs', getGatewayUrls()[0]));
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui-bundle.js');
  });
});
