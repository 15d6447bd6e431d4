import { ChromaNotFoundError, ChromaUniqueError, type Collection } from 'chromadb';
import { describe, expect, it } from 'vitest';
import { getCompactionMode } from '@huedb/testing';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * Fork (copy-on-write), fork_count, indexing_status, lookup by CRN and the Search API's 501, on
 * every deployment: a cluster that never compacts (forks read their source's log), one that
 * compacts aggressively (forks start on shared segments that are compacted under them) and
 * single-node (where Chroma itself does not support fork; HueDB does).
 */
describe('fork (chromadb client)', () => {
  const client = chromaClient(0);

  const everything = (c: Collection) =>
    c.get({ include: ['embeddings', 'documents', 'metadatas'] });

  async function seeded(name = collectionName('src')): Promise<Collection> {
    const source = await client.createCollection({
      name,
      metadata: { team: 'blue', n: 3 },
      configuration: { hnsw: { space: 'cosine', ef_search: 50 } },
      embeddingFunction: null,
    });
    const ids = Array.from({ length: 30 }, (_, i) => `r${i}`);
    await source.add({
      ids,
      embeddings: ids.map((_, i) => [i + 1, (i % 5) + 1, 1]),
      documents: ids.map((id) => `doc ${id}`),
      metadatas: ids.map((_, i) => ({ g: i % 3 })),
    });
    await source.update({ ids: ['r1', 'r2'], metadatas: [{ g: 9 }, { g: 9 }] });
    await source.delete({ ids: ['r3'] });
    return source;
  }

  it('holds everything acknowledged on the source before the fork, with its configuration', async () => {
    const source = await seeded();
    // Written through gateway 0, forked through gateway 1 (the same gateway on single-node, which
    // has one; read-your-writes.test.ts holds the cross-gateway case apart).
    const viaOtherGateway = await chromaClient(1).getCollection({ name: source.name });
    const fork = await viaOtherGateway.fork({ name: collectionName('fork') });
    expect(fork.id).not.toBe(source.id);
    const [a, b] = await Promise.all([everything(source), everything(fork)]);
    expect(b.ids).toHaveLength(29);
    expect(b).toEqual(a);
    const query = { queryEmbeddings: [[3, 2, 1]], nResults: 5 };
    expect(await fork.query(query)).toEqual(await source.query(query));
    expect(await fork.count()).toBe(29);

    const row = async (id: string) =>
      (await http('GET', `${DB}/collections/by-id/${id}`)).body as Record<string, unknown>;
    const [src, forked] = await Promise.all([row(source.id), row(fork.id)]);
    for (const field of ['configuration_json', 'schema', 'metadata', 'dimension', 'tenant']) {
      expect(forked[field], field).toEqual(src[field]);
    }
    expect(forked).toMatchObject({ dimension: 3, metadata: { team: 'blue', n: 3 } });
    expect((forked.configuration_json as { hnsw: object }).hnsw).toMatchObject({
      space: 'cosine',
      ef_search: 50,
    });
  });

  it('diverges after the fork: writes to either are invisible in the other', async () => {
    const source = await seeded();
    const fork = await source.fork({ name: collectionName('fork') });
    await source.add({ ids: ['only-source'], embeddings: [[9, 9, 9]] });
    await source.delete({ ids: ['r10'] });
    await fork.add({ ids: ['only-fork'], embeddings: [[8, 8, 8]] });
    await fork.update({ ids: ['r0'], metadatas: [{ g: 42 }] });
    await fork.delete({ ids: ['r20'] });

    const src = await source.get({ ids: ['only-source', 'only-fork', 'r0', 'r10', 'r20'] });
    expect([...src.ids].sort()).toEqual(['only-source', 'r0', 'r20']);
    expect(src.metadatas[src.ids.indexOf('r0')]).toEqual({ g: 0 });
    const frk = await fork.get({ ids: ['only-source', 'only-fork', 'r0', 'r10', 'r20'] });
    expect([...frk.ids].sort()).toEqual(['only-fork', 'r0', 'r10']);
    expect(frk.metadatas[frk.ids.indexOf('r0')]).toEqual({ g: 42 });
    expect(await source.count()).toBe(29);
    expect(await fork.count()).toBe(29);
  });

  it('deleting the source or a fork leaves the others whole', async () => {
    const name = collectionName('src');
    const source = await seeded(name);
    const before = await everything(source);
    const fork = await source.fork({ name: collectionName('fork') });
    const grandchild = await fork.fork({ name: collectionName('grandchild') });
    await client.deleteCollection({ name });
    await expect(source.count()).rejects.toThrow(ChromaNotFoundError);
    expect(await everything(fork)).toEqual(before);
    await fork.add({ ids: ['after-delete'], embeddings: [[1, 1, 1]] });
    expect(await fork.count()).toBe(30);

    await client.deleteCollection({ name: fork.name });
    expect(await everything(grandchild)).toEqual(before);
    // The source's name is free again; a new collection there is empty.
    const reborn = await client.createCollection({ name, embeddingFunction: null });
    expect(await reborn.count()).toBe(0);
  });

  it('counts the live forks of the whole lineage tree from any member', async () => {
    const root = await seeded();
    const a = await root.fork({ name: collectionName('a') });
    const b = await a.fork({ name: collectionName('b') });
    const c = await root.fork({ name: collectionName('c') });
    for (const member of [root, a, b, c]) expect(await member.forkCount()).toBe(3);
    await client.deleteCollection({ name: c.name });
    expect(await root.forkCount()).toBe(2);
    const lone = await client.createCollection({
      name: collectionName('lone'),
      embeddingFunction: null,
    });
    expect(await lone.forkCount()).toBe(0);
    expect(await http('GET', `${DB}/collections/${a.id}/fork_count`)).toMatchObject({
      status: 200,
      body: { count: 2 },
    });
  });

  it('answers Chroma’s errors: 409 taken name, 404 missing, 400 bad id or name, 422 bad body', async () => {
    const source = await seeded();
    await expect(source.fork({ name: source.name })).rejects.toThrow(ChromaUniqueError);
    const fork = (id: string, body: unknown) => http('POST', `${DB}/collections/${id}/fork`, body);
    expect(await fork(source.id, { new_name: source.name })).toMatchObject({
      status: 409,
      body: { error: 'ChromaError', message: `Collection [${source.name}] already exists` },
    });
    const missing = '00000000-0000-4000-8000-000000000001';
    for (const res of [
      await fork(missing, { new_name: collectionName('x') }),
      await http('GET', `${DB}/collections/${missing}/fork_count`),
      await http('GET', `${DB}/collections/${missing}/indexing_status`),
    ]) {
      expect(res).toMatchObject({
        status: 404,
        body: { error: 'NotFoundError', message: `Collection [${missing}] does not exist` },
      });
    }
    for (const res of [
      await fork('not-a-uuid', { new_name: collectionName('x') }),
      await http('GET', `${DB}/collections/not-a-uuid/fork_count`),
      await http('GET', `${DB}/collections/not-a-uuid/indexing_status`),
    ]) {
      expect(res).toMatchObject({
        status: 400,
        body: { error: 'InvalidArgumentError', message: 'Collection ID is not a valid UUIDv4' },
      });
    }
    expect(await fork(source.id, { new_name: 'ab' })).toMatchObject({
      status: 400,
      body: { error: 'InvalidArgumentError' },
    });
    expect(await fork(source.id, {})).toMatchObject({
      status: 422,
      body: {
        error: 'ChromaError',
        message:
          'Failed to deserialize the JSON body into the target type: missing field `new_name`',
      },
    });
    expect(await fork(source.id, { new_name: 1 })).toMatchObject({ status: 422 });
    // Nothing was created by the failed calls.
    expect(await source.forkCount()).toBe(0);
  });
});

describe('indexing status', () => {
  const client = chromaClient(0);

  it('reports real op counts: unindexed until compaction, then 100%', async () => {
    const collection = await client.createCollection({
      name: collectionName('idx'),
      embeddingFunction: null,
    });
    expect(await collection.getIndexingStatus()).toEqual({
      op_indexing_progress: 1,
      num_unindexed_ops: 0,
      num_indexed_ops: 0,
      total_ops: 0,
    });
    const ids = Array.from({ length: 12 }, (_, i) => `i${i}`);
    await collection.add({ ids, embeddings: ids.map((_, i) => [i, 1]) });
    await collection.delete({ ids: ['i0', 'i1'] });
    // 12 adds + 2 deletes = 14 ops, as Chroma counts them (one per record operation).
    const status = await collection.getIndexingStatus();
    expect(status.total_ops).toBe(14);
    expect(status.num_indexed_ops + status.num_unindexed_ops).toBe(14);
    expect(status.op_indexing_progress).toBeCloseTo(status.num_indexed_ops / 14, 6);

    if (getCompactionMode() === 'off') {
      expect(status).toEqual({
        op_indexing_progress: 0,
        num_unindexed_ops: 14,
        num_indexed_ops: 0,
        total_ops: 14,
      });
      return;
    }
    const deadline = Date.now() + 60_000;
    let latest = status;
    while (latest.op_indexing_progress < 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      latest = await collection.getIndexingStatus();
    }
    expect(latest).toEqual({
      op_indexing_progress: 1,
      num_unindexed_ops: 0,
      num_indexed_ops: 14,
      total_ops: 14,
    });
  });

  it('a fork inherits its source’s counts: its parent tail is unindexed until it compacts', async () => {
    const source = await client.createCollection({
      name: collectionName('idx-src'),
      embeddingFunction: null,
    });
    await source.add({ ids: ['a', 'b', 'c'], embeddings: [[1], [2], [3]] });
    const fork = await source.fork({ name: collectionName('idx-fork') });
    const [s, f] = await Promise.all([source.getIndexingStatus(), fork.getIndexingStatus()]);
    // Either may have compacted in between on a compacting deployment; the totals agree.
    expect(s.total_ops).toBe(3);
    expect(f.total_ops).toBe(3);
    await fork.add({ ids: ['d'], embeddings: [[4]] });
    expect((await fork.getIndexingStatus()).total_ops).toBe(4);
    expect((await source.getIndexingStatus()).total_ops).toBe(3);
  });
});

describe('collections by CRN, and the Search API', () => {
  const client = chromaClient(0);

  it('documents the routes in /openapi.json', async () => {
    const { paths } = (await http('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const collection = '/api/v2/tenants/{tenant}/databases/{database}/collections/{collection_id}';
    expect(paths[`${collection}/fork`]).toHaveProperty('post.requestBody');
    expect(paths[`${collection}/fork_count`]).toHaveProperty('get');
    expect(paths[`${collection}/indexing_status`]).toHaveProperty('get');
    expect(paths[`${collection}/search`]).toHaveProperty(['post', 'responses', '501']);
    expect(paths['/api/v2/collections/{crn}']).toHaveProperty('get');
  });

  it('gets a collection by tenant:database:name; malformed CRNs are 400, missing ones 404', async () => {
    const created = await client.createCollection({
      name: collectionName('crn'),
      embeddingFunction: null,
    });
    const found = await client.getCollectionByCrn(
      `default_tenant:default_database:${created.name}`,
    );
    expect(found.id).toBe(created.id);
    expect(
      await http('GET', `/api/v2/collections/default_tenant:default_database:${created.name}`),
    ).toMatchObject({ status: 200, body: { id: created.id, name: created.name } });
    for (const crn of ['a:b', 'only', 'a:b:c:d', '::', 'a::c', created.id]) {
      expect(await http('GET', `/api/v2/collections/${crn}`), crn).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message:
            'Validation error: crn: CRN must be in the format <tenant_resource_name>:<database_name>:<collection_name> with non-empty parts',
        },
      });
    }
    expect(await http('GET', '/api/v2/collections/default_tenant:default_database:nope-x')).toEqual(
      expect.objectContaining({
        status: 404,
        body: {
          error: 'NotFoundError',
          message: 'Collection [default_tenant:default_database:nope-x] does not exist',
        },
      }),
    );
  });

  it('answers search with Chroma’s 422 for a malformed body, 404 when missing, else 501', async () => {
    const collection = await client.createCollection({
      name: collectionName('search'),
      embeddingFunction: null,
    });
    const search = (id: string, body: unknown) =>
      http('POST', `${DB}/collections/${id}/search`, body);
    expect(await search(collection.id, {})).toMatchObject({
      status: 422,
      body: {
        error: 'ChromaError',
        message:
          'Failed to deserialize the JSON body into the target type: missing field `searches`',
      },
    });
    expect(await search(collection.id, { searches: 'x' })).toMatchObject({ status: 422 });
    expect(await search(collection.id, { searches: [], read_level: 'x' })).toMatchObject({
      status: 422,
    });
    expect(await search('00000000-0000-4000-8000-000000000002', { searches: [] })).toMatchObject({
      status: 404,
      body: { error: 'NotFoundError' },
    });
    const unsupported = await search(collection.id, { searches: [{ limit: { limit: 1 } }] });
    expect(unsupported).toMatchObject({ status: 501, body: { error: 'ChromaError' } });
    expect((unsupported.body as { message: string }).message).toMatch(
      /HueDB does not support the Search API yet/,
    );
  });
});
