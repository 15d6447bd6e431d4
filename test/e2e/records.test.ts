import type { Collection } from 'chromadb';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromaClient, collectionName, DB, http } from './support.js';

function base64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

describe('records (chromadb client)', () => {
  const client = chromaClient();
  let c: Collection;

  beforeAll(async () => {
    c = await client.createCollection({ name: collectionName('rec'), embeddingFunction: null });
    // Raw HTTP: the JS client refuses null documents/metadatas inside a batch; the API takes them.
    const res = await http('POST', `${DB}/collections/${c.id}/add`, {
      ids: ['a', 'b', 'c', 'd'],
      embeddings: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 0],
      ],
      documents: ['apple pie', 'banana split', null, 'apple banana'],
      metadatas: [
        { kind: 'fruit', n: 1, tags: ['x', 'y'] },
        { kind: 'fruit', n: 2 },
        { n: 3 },
        null,
      ],
      uris: ['u:a', 'u:b', 'u:c', 'u:d'],
    });
    expect(res).toMatchObject({ status: 201, body: {} });
  });

  it('counts and gets in insertion order with default and explicit include', async () => {
    expect(await c.count()).toBe(4);
    const all = await c.get();
    expect(all.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(all.documents).toEqual(['apple pie', 'banana split', null, 'apple banana']);
    expect(all.metadatas).toEqual([
      { kind: 'fruit', n: 1, tags: ['x', 'y'] },
      { kind: 'fruit', n: 2 },
      { n: 3 },
      {}, // no metadata, but a URI: chroma run keeps the URI among the metadata, so {} not null
    ]);

    const raw = await http('POST', `${DB}/collections/${c.id}/get`, {
      include: ['embeddings', 'uris'],
    });
    expect(raw.body).toEqual({
      ids: ['a', 'b', 'c', 'd'],
      embeddings: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 0],
      ],
      documents: null,
      uris: ['u:a', 'u:b', 'u:c', 'u:d'],
      metadatas: null,
      include: ['embeddings', 'uris'],
    });
    const page = await http('POST', `${DB}/collections/${c.id}/get`, { limit: 2, offset: 1 });
    expect((page.body as { ids: string[] }).ids).toEqual(['b', 'c']);
  });

  it('filters with where, where_document and ids', async () => {
    const ids = async (args: Parameters<Collection['get']>[0]) => (await c.get(args)).ids;
    expect(await ids({ where: { kind: 'fruit' } })).toEqual(['a', 'b']);
    expect(await ids({ where: { n: { $gte: 2 } } })).toEqual(['b', 'c']);
    expect(await ids({ where: { $or: [{ n: 1 }, { n: 3 }] } })).toEqual(['a', 'c']);
    expect(await ids({ where: { kind: { $ne: 'fruit' } } })).toEqual(['c', 'd']); // missing key matches $ne
    expect(await ids({ where: { kind: { $nin: ['fruit'] } } })).toEqual(['c', 'd']);
    expect(await ids({ where: { n: { $in: [2, 3] } } })).toEqual(['b', 'c']);
    expect(await ids({ where: { tags: { $contains: 'y' } } })).toEqual(['a']);
    expect(await ids({ whereDocument: { $contains: 'apple' } })).toEqual(['a', 'd']);
    expect(await ids({ whereDocument: { $not_contains: 'apple' } })).toEqual(['b', 'c']);
    expect(await ids({ whereDocument: { $regex: '^ban' } })).toEqual(['b']);
    expect(await ids({ where: { kind: 'fruit' }, whereDocument: { $contains: 'banana' } })).toEqual(
      ['b'],
    );
    expect(await ids({ ids: ['d', 'a', 'zz'] })).toEqual(['a', 'd']);
  });

  it('queries nearest neighbours with distances, filters and include', async () => {
    const res = await c.query({
      queryEmbeddings: [
        [1, 0, 0],
        [0, 0, 1],
      ],
      nResults: 2,
    });
    expect(res.ids).toEqual([
      ['a', 'd'],
      ['c', 'a'],
    ]);
    expect(res.distances?.[0]).toEqual([0, 1]);
    const filtered = await c.query({
      queryEmbeddings: [[1, 0, 0]],
      nResults: 10,
      where: { kind: 'fruit' },
    });
    expect(filtered.ids).toEqual([['a', 'b']]);
    const raw = await http('POST', `${DB}/collections/${c.id}/query`, {
      query_embeddings: [[0, 1, 0]],
      n_results: 1,
      include: ['metadatas'],
    });
    expect(raw.body).toEqual({
      ids: [['b']],
      embeddings: null,
      documents: null,
      uris: null,
      metadatas: [[{ kind: 'fruit', n: 2 }]],
      distances: null,
      include: ['metadatas'],
    });
  });

  it('applies upsert, update and delete with Chroma semantics', async () => {
    const col = await client.createCollection({
      name: collectionName('sem'),
      embeddingFunction: null,
    });
    await col.add({
      ids: ['x', 'y'],
      embeddings: [
        [1, 1],
        [2, 2],
      ],
      metadatas: [{ a: 1, b: 2 }, { a: 5 }],
      documents: ['dx', 'dy'],
    });
    await col.add({ ids: ['x'], embeddings: [[9, 9]], documents: ['ignored'] }); // add of existing: no-op
    // A null metadata value deletes the key. Raw HTTP: the JS client drops nulls before sending.
    const update = await http('POST', `${DB}/collections/${col.id}/update`, {
      ids: ['y', 'missing'],
      metadatas: [{ a: null, c: 3 }, { a: 1 }],
    });
    expect(update).toMatchObject({ status: 200, body: {} });
    const upsert = await http('POST', `${DB}/collections/${col.id}/upsert`, {
      ids: ['x', 'z'],
      embeddings: [
        [3, 3],
        [4, 4],
      ],
      metadatas: [{ b: null, d: 4 }, { z: 1 }],
    });
    expect(upsert).toMatchObject({ status: 200, body: {} });
    const got = await col.get({ include: ['embeddings', 'metadatas', 'documents'] as never });
    expect(got.ids).toEqual(['x', 'y', 'z']);
    expect(got.metadatas).toEqual([{ a: 1, d: 4 }, { c: 3 }, { z: 1 }]);
    expect(got.documents).toEqual(['dx', 'dy', null]);
    expect(got.embeddings).toEqual([
      [3, 3],
      [2, 2],
      [4, 4],
    ]);

    await col.delete({ ids: ['y'] });
    await col.delete({ where: { z: 1 } });
    expect((await col.get()).ids).toEqual(['x']);
    const deleted = await http('POST', `${DB}/collections/${col.id}/delete`, {
      ids: ['x', 'nope'],
    });
    // Ids alone are counted as given, present or not (Chroma 1.5.9).
    expect(deleted).toMatchObject({ status: 200, body: { deleted: 2 } });
    expect(await col.count()).toBe(0);
    // A deleted id added again goes to the end of the insertion order.
    await col.add({
      ids: ['p', 'q'],
      embeddings: [
        [1, 2],
        [3, 4],
      ],
    });
    await col.delete({ ids: ['p'] });
    await col.add({ ids: ['p'], embeddings: [[1, 2]] });
    expect((await col.get()).ids).toEqual(['q', 'p']);
  });

  it('accepts base64 embeddings as the Python client sends them, and fixes the dimension', async () => {
    const col = await client.createCollection({
      name: collectionName('b64'),
      embeddingFunction: null,
    });
    const add = await http('POST', `${DB}/collections/${col.id}/add`, {
      ids: ['m', 'n'],
      embeddings: [base64([0.5, -1.25, 3]), base64([1, 2, 3])],
    });
    expect(add).toMatchObject({ status: 201, body: {} });
    const got = await col.get({ ids: ['m'], include: ['embeddings'] as never });
    expect(got.embeddings).toEqual([[0.5, -1.25, 3]]);
    expect((await http('GET', `${DB}/collections/by-id/${col.id}`)).body).toMatchObject({
      dimension: 3,
    });

    const wrong = await http('POST', `${DB}/collections/${col.id}/add`, {
      ids: ['o'],
      embeddings: [[1, 2]],
    });
    expect(wrong).toMatchObject({
      status: 400,
      body: {
        error: 'InvalidArgumentError',
        message: 'Collection expecting embedding with dimension of 3, got 2',
      },
    });
    const wrongQuery = await http('POST', `${DB}/collections/${col.id}/query`, {
      query_embeddings: [[1, 2]],
    });
    expect(wrongQuery).toMatchObject({ status: 400, body: { error: 'InvalidArgumentError' } });
    expect(await col.count()).toBe(2);
  });

  it('computes cosine and inner-product distances as Chroma defines them', async () => {
    const cos = await client.createCollection({
      name: collectionName('cos'),
      configuration: { hnsw: { space: 'cosine' } },
      embeddingFunction: null,
    });
    await cos.add({
      ids: ['p', 'q'],
      embeddings: [
        [2, 0],
        [0, 3],
      ],
    });
    const r1 = await cos.query({ queryEmbeddings: [[1, 0]], nResults: 2 });
    expect(r1.ids).toEqual([['p', 'q']]);
    expect(r1.distances[0]![0]).toBeCloseTo(0, 6);
    expect(r1.distances[0]![1]).toBeCloseTo(1, 6);

    const ip = await client.createCollection({
      name: collectionName('ip'),
      configuration: { hnsw: { space: 'ip' } },
      embeddingFunction: null,
    });
    await ip.add({
      ids: ['p', 'q'],
      embeddings: [
        [0.5, 0],
        [0.1, 0],
      ],
    });
    const r2 = await ip.query({ queryEmbeddings: [[1, 0]], nResults: 2 });
    expect(r2.ids).toEqual([['p', 'q']]);
    expect(r2.distances[0]![0]).toBeCloseTo(0.5, 6);
    expect(r2.distances[0]![1]).toBeCloseTo(0.9, 6);
  });
});
