import { beforeEach, describe, expect, it } from 'vitest';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * `ids: []` is an id filter that admits no record, never "no id filter". Regression: the query
 * protocol once carried ids as a bare repeated field, so `delete {"ids": []}` emptied the whole
 * collection and `get`/`query` with `ids: []` returned every record. Answers are Chroma 1.5.9's.
 */
describe('empty id lists', () => {
  let base: string;
  const all = ['a', 'b', 'c'];

  const snapshot = async () =>
    (await http('POST', `${base}/get`, { include: ['embeddings', 'documents', 'metadatas'] })).body;

  beforeEach(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('empty-ids'),
      embeddingFunction: null,
    });
    base = `${DB}/collections/${c.id}`;
    const res = await http('POST', `${base}/add`, {
      ids: all,
      embeddings: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      documents: ['x', 'y', 'z'],
      metadatas: [{ k: 1 }, { k: 2 }, { k: 3 }],
    });
    expect(res.status).toBe(201);
  });

  it('delete {"ids": []} is a 400 and deletes nothing', async () => {
    const before = await snapshot();
    for (const body of [{ ids: [] }, { ids: [], limit: 1 }]) {
      const res = await http('POST', `${base}/delete`, body);
      expect(res, JSON.stringify(body)).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message: 'Validation error: ids, where: Either ids or where must be specified',
        },
      });
    }
    expect(await snapshot()).toEqual(before);
    expect((await http('GET', `${base}/count`)).body).toBe(3);
  });

  it('delete with ids: [] and a filter matches nothing and deletes nothing', async () => {
    const before = await snapshot();
    for (const body of [
      { ids: [], where: { k: 1 } },
      { ids: [], where: { k: { $gte: 0 } } },
      { ids: [], where_document: { $contains: 'x' } },
      { ids: [], where: { k: { $gte: 0 } }, limit: 2 },
    ]) {
      const res = await http('POST', `${base}/delete`, body);
      expect(res, JSON.stringify(body)).toMatchObject({ status: 200, body: { deleted: 0 } });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('delete with neither ids nor a filter is a no-op; limit needs a filter', async () => {
    const before = await snapshot();
    for (const body of [{}, { ids: null }, { limit: null }]) {
      const res = await http('POST', `${base}/delete`, body);
      expect(res, JSON.stringify(body)).toMatchObject({ status: 200, body: { deleted: 0 } });
    }
    for (const body of [{ limit: 1 }, { limit: 0 }, { ids: ['a'], limit: 1 }]) {
      const res = await http('POST', `${base}/delete`, body);
      expect(res, JSON.stringify(body)).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message:
            'Validation error: limit, where: limit can only be specified when a where clause is provided',
        },
      });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('delete by ids alone counts the ids as given, as Chroma does', async () => {
    expect((await http('POST', `${base}/delete`, { ids: ['a', 'a', 'nope'] })).body).toEqual({
      deleted: 3,
    });
    expect((await http('POST', `${base}/get`, {})).body).toMatchObject({ ids: ['b', 'c'] });
  });

  it('get and query with ids: [] return nothing', async () => {
    const got = await http('POST', `${base}/get`, { ids: [] });
    expect(got).toMatchObject({
      status: 200,
      body: { ids: [], documents: [], metadatas: [], embeddings: null },
    });
    const filtered = await http('POST', `${base}/get`, { ids: [], where: { k: 1 } });
    expect(filtered.body).toMatchObject({ ids: [] });
    const queried = await http('POST', `${base}/query`, {
      query_embeddings: [[1, 2]],
      ids: [],
      include: ['distances', 'documents'],
    });
    expect(queried).toMatchObject({
      status: 200,
      body: { ids: [[]], distances: [[]], documents: [[]] },
    });
    // An absent id filter still means every record.
    expect((await http('POST', `${base}/get`, { ids: null })).body).toMatchObject({ ids: all });
  });
});
