import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactorService } from '@huedb/proto/compactor';
import { createClient, RpcError } from '@huedb/grpc';
import { CollectionModel } from '@huedb/core';
import { getInfra, LocalCluster } from '@huedb/testing';
import { databaseApi } from './support.js';

const FAILPOINTS = ['after-build', 'after-upload', 'after-register', 'after-advance'] as const;

/**
 * Compaction on demand (the compactor's own schedule is off): reads are identical before and
 * after a compaction — count, get order, pagination, query — whether served from the tail, the
 * segment, or both; and a compactor killed at any step of a compaction loses nothing: the next
 * compaction completes what the crash left.
 */
describe('compaction', () => {
  let cluster: LocalCluster;
  let call: ReturnType<typeof databaseApi>;
  let id: string;
  const model = new CollectionModel({ space: 'l2' });

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      infra: getInfra(),
      gateways: 1,
      queryNodes: 1,
      compactors: 1,
      env: { compactor: { HUEDB_COMPACTION: 'off', HUEDB_SEGMENT_GC_GRACE_MS: '0' } },
    });
    call = databaseApi(cluster.gatewayUrls[0]!, { token: cluster.adminToken });
    id = ((await call('POST', '/collections', { name: 'compacted' })).body as { id: string }).id;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const compact = async () => {
    const client = createClient(CompactorService, cluster.addresses('compactor')[0]!, {
      timeoutMs: 60_000,
    });
    try {
      return (await client.compact({ collectionIds: [id] })).results[0]!;
    } finally {
      client.close();
    }
  };

  const collection = async () =>
    (await call('GET', `/collections/by-id/${id}`)).body as {
      version: number;
      log_position: number;
    };

  /** Everything a client can observe, compared with the reference model. */
  async function expectMatchesModel(): Promise<void> {
    expect((await call('GET', `/collections/${id}/count`)).body).toBe(model.count());
    const include = ['embeddings', 'documents', 'metadatas'] as const;
    expect((await call('POST', `/collections/${id}/get`, { include })).body).toEqual(
      model.get({ include: [...include] }),
    );
    for (const [limit, offset] of [
      [7, 0],
      [7, 7],
      [50, 60],
      [5, 1000],
    ] as const) {
      const page = await call('POST', `/collections/${id}/get`, { limit, offset, include: [] });
      expect((page.body as { ids: string[] }).ids).toEqual(model.get({ limit, offset }).ids);
    }
    const filtered = await call('POST', `/collections/${id}/get`, {
      where: { g: { $in: [1, 3] } },
      include: [],
    });
    expect((filtered.body as { ids: string[] }).ids).toEqual(
      model.get({ where: { g: { $in: [1, 3] } } }).ids,
    );
    for (const vector of [
      [0, 0, 0],
      [3, 40, 2],
      [9, 9, 9],
    ]) {
      for (const where of [undefined, { g: 2 }]) {
        const res = await call('POST', `/collections/${id}/query`, {
          query_embeddings: [vector],
          n_results: 8,
          where,
        });
        const expected = model.query({ embeddings: [vector], nResults: 8, where });
        const body = res.body as { ids: string[][]; distances: number[][] };
        expect(body.ids).toEqual(expected.ids);
        body.distances[0]!.forEach((d, i) => expect(d).toBeCloseTo(expected.distances![0]![i]!, 3));
      }
    }
  }

  let batchNo = 0;
  async function writeSome(): Promise<void> {
    const b = batchNo++;
    const ids = Array.from({ length: 40 }, (_, i) => `b${b}-${i}`);
    const add = {
      ids,
      embeddings: ids.map((_, i) => [b, i, (b * i) % 7]),
      metadatas: ids.map((_, i) => ({ g: i % 4, b })),
      documents: ids.map((_, i) => `doc ${b} ${i}`),
    };
    expect((await call('POST', `/collections/${id}/add`, add)).status).toBe(201);
    model.add(add);
    if (b > 0) {
      // Rewrite and delete some records of earlier batches (they may live in the segment).
      const prev = Array.from({ length: 5 }, (_, i) => `b${b - 1}-${i * 3}`);
      const upsert = {
        ids: prev,
        embeddings: prev.map((_, i) => [i, b, 1]),
        metadatas: prev.map(() => ({ g: 3, moved: true })),
      };
      expect((await call('POST', `/collections/${id}/upsert`, upsert)).status).toBe(200);
      model.upsert(upsert);
      const gone = [`b${b - 1}-1`, `b${b - 1}-2`];
      await call('POST', `/collections/${id}/delete`, { ids: gone });
      model.delete({ ids: gone });
      // Delete then re-add: the record moves to the end of the order.
      const back = { ids: [`b${b - 1}-2`], embeddings: [[7, 7, 7]] };
      await call('POST', `/collections/${id}/add`, back);
      model.add(back);
    }
  }

  it('reads are identical before and after compaction, from tail, segment or both', async () => {
    await writeSome();
    await writeSome();
    await expectMatchesModel(); // tail only
    const first = await compact();
    expect(first.version).toBe(1n);
    expect(await collection()).toMatchObject({
      version: 1,
      log_position: Number(first.logPosition),
    });
    await expectMatchesModel(); // segment only
    await writeSome();
    await expectMatchesModel(); // segment + tail rewriting segment records
    const second = await compact();
    expect(second.version).toBe(2n); // incremental build from version 1
    await expectMatchesModel();
  });

  for (const failpoint of FAILPOINTS) {
    it(`a compactor killed ${failpoint.replace('-', ' ')} loses nothing; the next round completes`, async () => {
      const before = await collection();
      await writeSome();
      cluster.setEnv('compactor', 0, { HUEDB_COMPACTOR_FAILPOINT: failpoint });
      await cluster.restart('compactor', 0, 'SIGTERM');
      const crashed = await compact().catch((err: unknown) => err);
      expect(crashed).toBeInstanceOf(RpcError); // the process died mid-compaction
      await expectMatchesModel(); // readers are unaffected by the crash

      cluster.setEnv('compactor', 0, { HUEDB_COMPACTOR_FAILPOINT: undefined });
      await cluster.restart('compactor', 0, 'SIGKILL');
      await compact();
      const after = await collection();
      // Registered at most once for the new data, whatever step the crash hit.
      expect(after.version).toBe(before.version + 1);
      expect(after.log_position).toBeGreaterThan(before.log_position);
      await expectMatchesModel();
    });
  }
});
