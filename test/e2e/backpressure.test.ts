import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInfra, LocalCluster } from '@huedb/testing';
import { databaseApi } from './support.js';

/**
 * When a collection's uncompacted tail is over the log's limit, writes get 429 `Backoff` and
 * change nothing, while reads keep working. Own cluster: a log with a tiny tail limit.
 */
describe('log backpressure', () => {
  let cluster: LocalCluster;
  let call: ReturnType<typeof databaseApi>;

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      infra: getInfra(),
      gateways: 1,
      queryNodes: 1,
      env: { log: { HUEDB_WAL_MAX_TAIL_RECORDS: '20' } },
    });
    call = databaseApi(cluster.gatewayUrls[0]!, { token: cluster.adminToken });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers 429 Backoff over the tail limit and writes nothing', async () => {
    const { id } = (await call('POST', '/collections', { name: 'pressure' })).body as {
      id: string;
    };
    const batch = (from: number, n: number) => ({
      ids: Array.from({ length: n }, (_, i) => `r${from + i}`),
      embeddings: Array.from({ length: n }, (_, i) => [from + i, 1]),
    });
    expect((await call('POST', `/collections/${id}/add`, batch(0, 20))).status).toBe(201);
    const rejected = await call('POST', `/collections/${id}/add`, batch(20, 5));
    expect(rejected.status).toBe(429);
    expect(rejected.body).toMatchObject({ error: 'Backoff' });
    expect((await call('GET', `/collections/${id}/count`)).body).toBe(20);
    const other = (await call('POST', '/collections', { name: 'unaffected' })).body as {
      id: string;
    };
    expect((await call('POST', `/collections/${other.id}/add`, batch(0, 3))).status).toBe(201);
  });
});
