import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactorService } from '@huedb/proto/compactor';
import { createClient } from '@huedb/grpc';
import { getInfra, LocalCluster, SingleNodeProcess } from '@huedb/testing';
import { databaseApi } from './support.js';

type Call = ReturnType<typeof databaseApi>;

const DEFAULT_DATABASE_ID = '00000000-0000-0000-0000-000000000000';
const collectionDir = (id: string) =>
  `tenants/default_tenant/databases/${DEFAULT_DATABASE_ID}/collections/${id}/`;

/** Polls `read` until `done` holds or the deadline passes; returns the last value. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

async function addRecords(call: Call, id: string, from: number, count: number): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => `r${from + i}`);
  const res = await call('POST', `/collections/${id}/add`, {
    ids,
    embeddings: ids.map((_, i) => [from + i, 1, (from + i) % 7]),
    metadatas: ids.map((_, i) => ({ n: from + i })),
  });
  expect(res.status).toBe(201);
}

async function ids(call: Call, id: string): Promise<string[]> {
  const res = await call('POST', `/collections/${id}/get`, { include: [] });
  expect(res.status).toBe(200);
  return ((res.body as { ids: string[] }).ids ?? []).slice().sort();
}

const expected = (count: number) => Array.from({ length: count }, (_, i) => `r${i}`).sort();

async function create(call: Call, name: string): Promise<string> {
  return ((await call('POST', '/collections', { name })).body as { id: string }).id;
}

async function fork(call: Call, id: string, name: string): Promise<string> {
  const res = await call('POST', `/collections/${id}/fork`, { new_name: name });
  expect(res.status).toBe(200);
  return (res.body as { id: string }).id;
}

const indexing = async (call: Call, id: string) =>
  (await call('GET', `/collections/${id}/indexing_status`)).body as {
    num_indexed_ops: number;
    num_unindexed_ops: number;
    op_indexing_progress: number;
  };

/**
 * A fork copies no segment object, and reference-aware GC never deletes one a live collection
 * still reads: on MinIO (a cluster compacting on demand, GC grace 0) and on the filesystem store
 * of single-node (compacting by itself).
 */
describe('fork storage: copy-on-write and reference-aware GC', () => {
  describe('cluster on MinIO', () => {
    let cluster: LocalCluster;
    let call: Call;
    let s3: S3Client;

    beforeAll(async () => {
      cluster = await LocalCluster.start({
        infra: getInfra(),
        gateways: 1,
        queryNodes: 1,
        compactors: 1,
        env: { compactor: { HUEDB_COMPACTION: 'off', HUEDB_SEGMENT_GC_GRACE_MS: '0' } },
      });
      call = databaseApi(cluster.gatewayUrls[0]!, { token: cluster.adminToken });
      const { s3: endpoint } = getInfra();
      s3 = new S3Client({
        endpoint: endpoint.endpoint,
        region: endpoint.region,
        forcePathStyle: true,
        credentials: {
          accessKeyId: endpoint.accessKeyId,
          secretAccessKey: endpoint.secretAccessKey,
        },
      });
    });

    afterAll(async () => {
      s3?.destroy();
      await cluster?.stop();
    });

    /** Keys of the cluster's objects under `under` (relative to the cluster's prefix). */
    async function objects(under = ''): Promise<string[]> {
      const prefix = `${cluster.name}/${under}`;
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: getInfra().s3.bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) keys.push(o.Key!.slice(cluster.name.length + 1));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    }

    const versionPrefixes = async (id: string) => [
      ...new Set(
        (await objects(collectionDir(id))).map((k) => k.split('/').slice(0, -1).join('/')),
      ),
    ];

    async function compact(id: string) {
      const client = createClient(CompactorService, cluster.addresses('compactor')[0]!, {
        timeoutMs: 60_000,
      });
      try {
        return (await client.compact({ collectionIds: [id] })).results[0]!;
      } finally {
        client.close();
      }
    }

    it('shares segments and log, GC keeps what the fork reads, and frees it after the fork compacts', async () => {
      const source = await create(call, 'source');
      await addRecords(call, source, 0, 20);
      expect((await compact(source)).version).toBe(1n);
      const [v1] = await versionPrefixes(source);
      expect(v1).toBeDefined();
      await addRecords(call, source, 20, 5); // uncompacted: the fork reads it from the source's log

      const before = await objects();
      const forked = await fork(call, source, 'forked');
      expect(await objects()).toEqual(before); // not one object copied
      expect(await objects(collectionDir(forked))).toEqual([]);
      expect(await ids(call, forked)).toEqual(expected(25));
      expect(await indexing(call, forked)).toMatchObject({
        num_indexed_ops: 20,
        num_unindexed_ops: 5,
      });

      // The source compacts on: its v1 is superseded (grace 0) but the fork still reads it.
      await addRecords(call, source, 25, 5);
      expect((await compact(source)).version).toBe(2n);
      await addRecords(call, source, 30, 5);
      expect((await compact(source)).version).toBe(3n);
      const sourceVersions = await versionPrefixes(source);
      expect(sourceVersions).toContain(v1); // referenced by the fork
      expect(sourceVersions).toHaveLength(2); // v2 was nobody's: collected
      expect(await ids(call, source)).toEqual(expected(35));

      // A query node with an empty cache must fetch the fork's segment from MinIO, and the
      // source's log must still hold the fork's parent tail although the source compacted past it.
      cluster.setEnv('query', 0, {
        HUEDB_SEGMENT_CACHE_DIR: path.join(cluster.dir, 'query-0-segments-fresh'),
      });
      await cluster.restart('query', 0, 'SIGKILL');
      expect(
        await until(
          () => ids(call, forked),
          (v) => v.length === 25,
        ),
      ).toEqual(expected(25));
      const q = await call('POST', `/collections/${forked}/query`, {
        query_embeddings: [[22, 1, 1]],
        n_results: 1,
        include: ['metadatas'],
      });
      expect(q.body).toMatchObject({ ids: [['r22']], metadatas: [[{ n: 22 }]] });

      // The fork's first compaction folds in the parent tail; nobody references v1 any more.
      const first = await compact(forked);
      expect(first.version).toBe(1n);
      expect(await versionPrefixes(source)).not.toContain(v1);
      expect(await versionPrefixes(forked)).toHaveLength(1);
      expect(await ids(call, forked)).toEqual(expected(25));
      expect(await indexing(call, forked)).toEqual({
        op_indexing_progress: 1,
        num_indexed_ops: 25,
        num_unindexed_ops: 0,
        total_ops: 25,
      });
      // And the source's log is free to move on again.
      await addRecords(call, source, 35, 1);
      await compact(source);
      expect(await indexing(call, source)).toMatchObject({ num_unindexed_ops: 0 });
      expect(await ids(call, source)).toEqual(expected(36));
    });

    it('deleting a forked source keeps its log and objects for the fork', async () => {
      const source = await create(call, 'doomed');
      await addRecords(call, source, 0, 10);
      await compact(source);
      await addRecords(call, source, 10, 4);
      const forked = await fork(call, source, 'survivor');
      expect((await call('DELETE', '/collections/doomed')).status).toBe(200);
      // The compactor's pass over the deleted source must not purge the fork's parent tail.
      await compact(source).catch(() => undefined);
      expect(await ids(call, forked)).toEqual(expected(14));
      expect((await compact(forked)).version).toBe(1n);
      expect(await ids(call, forked)).toEqual(expected(14));
    });
  });

  describe('single-node on the filesystem store', () => {
    let node: SingleNodeProcess;
    let call: Call;

    beforeAll(async () => {
      node = await SingleNodeProcess.start({
        env: {
          HUEDB_COMPACTION_MIN_RECORDS: '3',
          HUEDB_COMPACTION_MAX_AGE_MS: '200',
          HUEDB_COMPACTION_POLL_MS: '100',
          HUEDB_SEGMENT_GC_GRACE_MS: '0',
        },
      });
      call = databaseApi(node.url);
    });

    afterAll(async () => {
      await node?.kill('SIGTERM');
    });

    /** Objects of the node's filesystem store (files under <data>/objects/objects) under `under`. */
    async function files(under = ''): Promise<string[]> {
      const root = path.join(node.dataDir, 'objects', 'objects', under);
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return [];
          throw err;
        },
      );
      return entries
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
        .sort();
    }
    const versionDirs = async (id: string) => [
      ...new Set((await files(collectionDir(id))).map((f) => path.dirname(f))),
    ];
    const compacted = (id: string) =>
      until(
        () => indexing(call, id),
        (s) => s.op_indexing_progress === 1,
      );

    it('copies no file, and GC keeps the source’s version until the fork compacts', async () => {
      const source = await create(call, 'source');
      await addRecords(call, source, 0, 20);
      expect(await compacted(source)).toMatchObject({ num_indexed_ops: 20 });
      // It may have taken several compactions: wait for GC to leave only the current version.
      const { version } = (await call('GET', `/collections/by-id/${source}`)).body as {
        version: number;
      };
      const dirs = await until(
        () => versionDirs(source),
        (d) => d.length === 1,
      );
      expect(dirs).toEqual([expect.stringMatching(new RegExp(`^v${version}-`))]);
      const v1 = dirs[0]!;

      const before = await files();
      const forked = await fork(call, source, 'forked');
      expect(await files()).toEqual(before);
      expect(await ids(call, forked)).toEqual(expected(20));

      // The source compacts again (grace 0): its v1 stays for the fork.
      await addRecords(call, source, 20, 10);
      expect(await compacted(source)).toMatchObject({ num_indexed_ops: 30 });
      expect(await versionDirs(source)).toContain(v1);
      expect(await ids(call, forked)).toEqual(expected(20));

      // Once the fork compacts on its own, nothing references v1 and it is deleted.
      await call('POST', `/collections/${forked}/add`, {
        ids: ['f0', 'f1', 'f2'],
        embeddings: [
          [1, 2, 3],
          [2, 3, 4],
          [3, 4, 5],
        ],
      });
      expect(await compacted(forked)).toMatchObject({ num_indexed_ops: 23 });
      expect(
        await until(
          () => versionDirs(source),
          (d) => !d.includes(v1),
        ),
      ).not.toContain(v1);
      expect(await ids(call, forked)).toEqual([...expected(20), 'f0', 'f1', 'f2'].sort());
      expect(await ids(call, source)).toEqual(expected(30));
    });
  });
});
