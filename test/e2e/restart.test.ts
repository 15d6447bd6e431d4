import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionModel } from '@huedb/core';
import { getInfra, LocalCluster } from '@huedb/testing';
import { databaseApi } from './support.js';

/**
 * Crash the log service and a query node (SIGKILL) in the middle of a write sequence: every
 * acknowledged write is still there afterwards and answers match the reference model.
 * This suite runs its own cluster, since it kills processes.
 */
describe('restarts lose nothing acknowledged', () => {
  let cluster: LocalCluster;
  let call: ReturnType<typeof databaseApi>;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ infra: getInfra(), gateways: 1, queryNodes: 2 });
    call = databaseApi(cluster.gatewayUrls[0]!, { token: cluster.adminToken });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  /** Retries a write until it is acknowledged; returns how many attempts failed first. */
  const writeUntilAcked = async (path: string, body: unknown): Promise<number> => {
    const deadline = Date.now() + 60_000;
    for (let failures = 0; ; failures++) {
      const res = await call('POST', path, body).catch(() => ({ status: 0, body: null }));
      if (res.status === 201 || res.status === 200) return failures;
      expect([0, 429, 500, 503]).toContain(res.status);
      if (Date.now() > deadline)
        throw new Error(`write never acknowledged: ${JSON.stringify(res)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('keeps every acknowledged write through log and query-node crashes', async () => {
    const created = await call('POST', '/collections', { name: 'restarts' });
    const id = (created.body as { id: string }).id;
    const model = new CollectionModel({ space: 'l2' });
    let failedAttempts = 0;

    for (let batch = 0; batch < 30; batch++) {
      if (batch === 10) await cluster.restart('log', 0, 'SIGKILL');
      if (batch === 20) await cluster.restart('query', 0, 'SIGKILL');
      const ids = Array.from({ length: 10 }, (_, i) => `r${batch}-${i}`);
      const embeddings = ids.map((_, i) => [batch, i, batch * i]);
      const metadatas = ids.map((_, i) => ({ batch, i }));
      const op = batch % 3 === 2 ? 'upsert' : 'add';
      failedAttempts += await writeUntilAcked(`/collections/${id}/${op}`, {
        ids,
        embeddings,
        metadatas,
      });
      if (op === 'add') model.add({ ids, embeddings, metadatas });
      else model.upsert({ ids, embeddings, metadatas });
      if (batch % 5 === 4) {
        const victim = `r${batch - 2}-3`;
        failedAttempts += await writeUntilAcked(`/collections/${id}/delete`, { ids: [victim] });
        model.delete({ ids: [victim] });
      }
    }

    // Reads may hit the restarted nodes: wait until the cluster answers at all, then compare.
    expect((await call('GET', `/collections/${id}/count`)).body).toBe(model.count());
    const all = await call('POST', `/collections/${id}/get`, { include: ['metadatas'] });
    expect(all.body).toEqual(model.get({ include: ['metadatas'] }));
    for (const vector of [
      [0, 0, 0],
      [15, 5, 75],
      [29, 9, 261],
    ]) {
      const res = await call('POST', `/collections/${id}/query`, {
        query_embeddings: [vector],
        n_results: 5,
      });
      expect((res.body as { ids: string[][] }).ids).toEqual(
        model.query({ embeddings: [vector], nResults: 5 }).ids,
      );
    }
    console.log(
      `restart test: ${failedAttempts} write attempts failed during restarts and were retried`,
    );
  });
});
