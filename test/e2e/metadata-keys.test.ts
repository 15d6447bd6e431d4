import { beforeAll, describe, expect, it } from 'vitest';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * Metadata keys named like Object.prototype members — `__proto__`, `constructor`, `toString`,
 * `hasOwnProperty` — are ordinary keys in Chroma 1.5.9: stored, returned, filtered on, merged and
 * deleted like any other, in record and collection metadata. Bodies are sent as raw JSON text,
 * since a JS object literal cannot carry an own `__proto__` key.
 */
describe('metadata keys named like Object.prototype members', () => {
  let base: string;
  const keys = '"__proto__": "x", "constructor": 1, "toString": true, "hasOwnProperty": [1, 2]';

  const ids = async (where: string) => {
    const res = await http('POST', `${base}/get`, undefined, {
      rawBody: `{"where": ${where}, "include": []}`,
    });
    expect(res.status, where).toBe(200);
    return (res.body as { ids: string[] }).ids;
  };

  beforeAll(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('proto-keys'),
      embeddingFunction: null,
    });
    base = `${DB}/collections/${c.id}`;
    const res = await http('POST', `${base}/add`, undefined, {
      rawBody: `{"ids": ["p", "q"], "embeddings": [[1, 1], [2, 2]],
        "metadatas": [{${keys}}, {"k": 1}]}`,
    });
    expect(res).toMatchObject({ status: 201, body: {} });
  });

  it('stores them and returns them from get and query', async () => {
    const got = await http('POST', `${base}/get`, { ids: ['p'], include: ['metadatas'] });
    expect(got.status).toBe(200);
    const [metadata] = (got.body as { metadatas: Record<string, unknown>[] }).metadatas;
    expect(Object.entries(metadata!)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 1],
      ['toString', true],
      ['hasOwnProperty', [1, 2]],
    ]);
    const queried = await http('POST', `${base}/query`, {
      query_embeddings: [[1, 1]],
      n_results: 1,
      include: ['metadatas'],
    });
    const { metadatas } = queried.body as { metadatas: Record<string, unknown>[][] };
    expect(Object.keys(metadatas[0]![0]!)).toEqual([
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
    ]);
  });

  it('filters on them, and never on inherited properties', async () => {
    expect(await ids('{"__proto__": "x"}')).toEqual(['p']);
    expect(await ids('{"__proto__": {"$in": ["x", "y"]}}')).toEqual(['p']);
    expect(await ids('{"__proto__": {"$ne": "x"}}')).toEqual(['q']);
    expect(await ids('{"constructor": {"$gte": 1}}')).toEqual(['p']);
    expect(await ids('{"toString": true}')).toEqual(['p']);
    expect(await ids('{"hasOwnProperty": {"$contains": 2}}')).toEqual(['p']);
    expect(await ids('{"valueOf": {"$ne": 5}}')).toEqual(['p', 'q']);
    expect(await ids('{"$and": [{"__proto__": "x"}, {"constructor": 1}]}')).toEqual(['p']);
  });

  it('merges and deletes them with update', async () => {
    const res = await http('POST', `${base}/update`, undefined, {
      rawBody: '{"ids": ["p"], "metadatas": [{"__proto__": null, "constructor": 2}]}',
    });
    expect(res.status).toBe(200);
    const got = await http('POST', `${base}/get`, { ids: ['p'], include: ['metadatas'] });
    expect((got.body as { metadatas: unknown[] }).metadatas).toEqual([
      { constructor: 2, toString: true, hasOwnProperty: [1, 2] },
    ]);
    expect(await ids('{"__proto__": "x"}')).toEqual([]);
  });

  it('keeps them in collection metadata', async () => {
    const name = collectionName('proto-meta');
    const created = await http('POST', `${DB}/collections`, undefined, {
      rawBody: `{"name": "${name}", "metadata": {"__proto__": "x", "constructor": "c"}}`,
    });
    expect(created.status).toBe(200);
    for (const res of [created, await http('GET', `${DB}/collections/${name}`)]) {
      const metadata = (res.body as { metadata: Record<string, unknown> }).metadata;
      expect(Object.entries(metadata).sort()).toEqual([
        ['__proto__', 'x'],
        ['constructor', 'c'],
      ]);
    }
  });
});
