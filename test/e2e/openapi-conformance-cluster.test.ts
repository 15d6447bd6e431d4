import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInfra, LocalCluster } from '@huedb/testing';
import { fuzzOpenApi } from './schemathesis.js';

/** Schemathesis's time budget on the cluster: its answers take a hop more than single-node's. */
const FUZZ_SECONDS = 60;

/**
 * The same contract fuzzing as openapi-conformance.test.ts, on a cluster with auth on as in
 * production: every request goes through the gateway's gRPC calls to the catalog, log and query
 * nodes, where a backend error mapped to the wrong status would show. Schemathesis holds an admin
 * key of default_tenant; another tenant holds a guarded collection that it can name only by
 * guessing. Every request to that tenant is refused, and afterwards the guarded collection must
 * be exactly as it was: records, metadata, configuration, and the tenant's databases and
 * collections.
 *
 * On a cluster of its own: Schemathesis deletes whatever it finds.
 */
describe('the OpenAPI document matches what the cluster answers', () => {
  let cluster: LocalCluster;
  let fuzzKey: string;
  const guarded = { tenant: `guarded-${Date.now()}`, database: 'vault', collection: 'crown' };

  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${cluster.gatewayUrls[0]}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-chroma-token': token ?? cluster.adminToken!,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown, text };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, body);
    expect(answer.status, `${method} ${path} → ${answer.text}`).toBeLessThan(300);
    return answer.body as Record<string, unknown>;
  };

  /** Everything a reader of the guarded tenant can see. */
  const snapshot = async (id: string) => {
    const tenant = `/api/v2/tenants/${guarded.tenant}`;
    const db = `${tenant}/databases/${guarded.database}`;
    return {
      tenant: await ok('GET', tenant),
      databases: await ok('GET', `${tenant}/databases`),
      collections: await ok('GET', `${db}/collections`),
      collection: await ok('GET', `${db}/collections/${guarded.collection}`),
      count: await ok('GET', `${db}/collections/${id}/count`),
      records: await ok('POST', `${db}/collections/${id}/get`, {
        include: ['documents', 'embeddings', 'metadatas', 'uris'],
      }),
    };
  };

  beforeAll(async () => {
    cluster = await LocalCluster.start({ infra: getInfra(), gateways: 1, queryNodes: 1 });
    const key = await ok('POST', '/api/v2/admin/tenants/default_tenant/keys', {
      name: 'schemathesis',
      role: 'admin',
    });
    fuzzKey = key['secret'] as string;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it(
    'Schemathesis finds no undocumented status, no body off its schema, and changes no other tenant',
    { timeout: (FUZZ_SECONDS + 120) * 1000 },
    async () => {
      await ok('POST', '/api/v2/tenants', { name: guarded.tenant });
      await ok('POST', `/api/v2/tenants/${guarded.tenant}/databases`, { name: guarded.database });
      const db = `/api/v2/tenants/${guarded.tenant}/databases/${guarded.database}`;
      const created = await ok('POST', `${db}/collections`, {
        name: guarded.collection,
        metadata: { owner: 'someone else', ключ: 'значение' },
      });
      const id = created['id'] as string;
      const n = 40;
      await ok('POST', `${db}/collections/${id}/add`, {
        ids: Array.from({ length: n }, (_, i) => `g${i}`),
        embeddings: Array.from({ length: n }, (_, i) => [i, 1 - i / n, 0.5]),
        documents: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `document ${i} ✓`)),
        metadatas: Array.from({ length: n }, (_, i) => ({ i, even: i % 2 === 0 })),
      });
      const before = await snapshot(id);
      // The fuzzer's key reaches its own tenant, never the guarded one.
      const refused = await call('GET', `${db}/collections/${id}/count`, undefined, fuzzKey);
      expect(refused.status).toBe(403);

      const result = await fuzzOpenApi({
        url: cluster.gatewayUrls[0]!,
        seconds: FUZZ_SECONDS,
        headers: { 'x-chroma-token': fuzzKey },
      });
      expect(result.failures, result.summary).toEqual([]);
      expect(result.errors, result.summary).toEqual([]);
      expect(result.operations.tested).toBe(result.operations.total);
      expect(result.test_cases.generated).toBeGreaterThan(300);

      expect(await snapshot(id)).toEqual(before);
    },
  );
});
