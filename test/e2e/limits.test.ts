import { beforeAll, describe, expect, it } from 'vitest';
import { getDeploymentLimits } from '@huedb/testing';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * Plan limits. Single-node stands in for `chroma run`, which enforces none (Chroma 1.5.9 takes
 * every request below); the cluster's tenants have the `pro` plan (HUEDB_PLAN=pro), answering
 * 422 ChromaError and changing nothing.
 */
describe('plan limits', () => {
  const limits = getDeploymentLimits();
  let base: string;

  beforeAll(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('limits'),
      embeddingFunction: null,
    });
    base = `${DB}/collections/${c.id}`;
    expect((await http('POST', `${base}/add`, { ids: ['a'], embeddings: [[1, 2]] })).status).toBe(
      201,
    );
  });

  const keys40 = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
  const writes: [string, string, object][] = [
    ['40 metadata keys', 'add', { ids: ['m'], embeddings: [[1, 2]], metadatas: [keys40] }],
    [
      'a 100 kB document',
      'add',
      { ids: ['d'], embeddings: [[1, 2]], documents: ['x'.repeat(1e5)] },
    ],
    [
      'a 50 kB metadata string',
      'upsert',
      { ids: ['s'], embeddings: [[1, 2]], metadatas: [{ s: 'y'.repeat(50_000) }] },
    ],
    [
      '1001 records in one write',
      'add',
      {
        ids: Array.from({ length: 1001 }, (_, i) => `n${i}`),
        embeddings: Array.from({ length: 1001 }, () => [1, 2]),
      },
    ],
  ];
  for (const [label, op, body] of writes) {
    it(`${label}: ${limits === 'unlimited' ? 'accepted' : '422'}`, async () => {
      const ids = (body as { ids: string[] }).ids;
      const res = await http('POST', `${base}/${op}`, body);
      const got = await http('POST', `${base}/get`, { ids, include: [] });
      if (limits === 'unlimited') {
        expect(res.status).toBe(op === 'add' ? 201 : 200);
        expect((got.body as { ids: string[] }).ids).toHaveLength(ids.length);
      } else {
        expect(res).toMatchObject({ status: 422, body: { error: 'ChromaError' } });
        expect((got.body as { ids: string[] }).ids).toEqual([]);
      }
    });
  }

  it(`12 where predicates and n_results 1000: ${limits === 'unlimited' ? 'accepted' : '422'}`, async () => {
    const where = { $and: Array.from({ length: 12 }, (_, i) => ({ k: { $ne: i } })) };
    const got = await http('POST', `${base}/get`, { ids: ['a'], where, include: [] });
    const queried = await http('POST', `${base}/query`, {
      query_embeddings: [[1, 2]],
      n_results: 1000,
      ids: ['a'],
      include: [],
    });
    if (limits === 'unlimited') {
      expect(got).toMatchObject({ status: 200, body: { ids: ['a'] } });
      expect(queried).toMatchObject({ status: 200, body: { ids: [['a']] } });
    } else {
      expect(got).toMatchObject({ status: 422, body: { error: 'ChromaError' } });
      expect(queried).toMatchObject({ status: 422, body: { error: 'ChromaError' } });
    }
  });

  it('n_results and limit take any u32, as Chroma does', async () => {
    const max = 4_294_967_295;
    const queried = await http('POST', `${base}/query`, {
      query_embeddings: [[1, 2]],
      n_results: max,
      include: [],
    });
    if (limits === 'unlimited') expect(queried).toMatchObject({ status: 200 });
    else expect(queried).toMatchObject({ status: 422, body: { error: 'ChromaError' } });
    const got = await http('POST', `${base}/get`, { ids: ['a'], limit: max, offset: 0 });
    expect(got).toMatchObject({ status: 200, body: { ids: ['a'] } });
    const past = await http('POST', `${base}/get`, { ids: ['a'], offset: max });
    expect(past).toMatchObject({ status: 200, body: { ids: [] } });
    for (const body of [{ limit: max + 1 }, { offset: max + 1 }]) {
      const res = await http('POST', `${base}/get`, body);
      expect(res, JSON.stringify(body)).toMatchObject({
        status: 422,
        body: { error: 'ChromaError' },
      });
    }
  });

  it('pre-flight advertises the batch size clients should use', async () => {
    const res = await http('GET', '/api/v2/pre-flight-checks');
    expect(res.body).toEqual({
      max_batch_size: limits === 'unlimited' ? 5461 : 1000,
      supports_base64_encoding: true,
    });
  });
});
