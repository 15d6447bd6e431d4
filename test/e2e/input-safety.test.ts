import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, getGatewayUrls } from '@huedb/testing';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * Inputs found by fuzzing, and edge cases, answered as `chroma run` 1.5.9 answers them (probed
 * with curl): every refusal is Chroma's `{"error", "message"}` with its status, reveals no
 * internals, and changes nothing.
 */
describe('input safety', () => {
  let base: string;
  let records: string;

  const snapshot = async () =>
    JSON.stringify(
      (await http('POST', `${base}/get`, { include: ['embeddings', 'documents', 'metadatas'] }))
        .body,
    );
  const raw = (path: string, rawBody: string) => http('POST', path, undefined, { rawBody });
  const parseError = (detail: RegExp | string) => ({
    status: 400,
    body: {
      error: 'InvalidArgumentError',
      message: expect.stringMatching(
        typeof detail === 'string'
          ? `^Failed to parse the request body as JSON: ${detail}`
          : detail,
      ) as unknown,
    },
  });

  beforeAll(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('safety'),
      embeddingFunction: null,
    });
    base = `${DB}/collections/${c.id}`;
    const res = await http('POST', `${base}/add`, {
      ids: ['a', 'b'],
      embeddings: [
        [1, 2],
        [3, 4],
      ],
      documents: ['x', 'y'],
      metadatas: [{ k: 1 }, { k: 2 }],
    });
    expect(res.status).toBe(201);
    records = await snapshot();
  });

  describe('deep JSON is a 400 (serde_json refuses nesting past 127), never a 500', () => {
    const deep = (open: string, inner: string, close: string, n: number) =>
      open.repeat(n) + inner + close.repeat(n);
    const cases: [string, string, string][] = [
      ['a where value 5,000 arrays deep', 'get', `{"where": {"k": ${deep('[', '', ']', 5000)}}}`],
      ['a where 200 $and deep', 'get', `{"where": ${deep('{"$and": [', '{"k": 1}', ']}', 200)}}`],
      [
        'a where_document 5,000 $or deep',
        'get',
        `{"where_document": ${deep('{"$or": [', '{"$contains": "x"}', ']}', 5000)}}`,
      ],
      [
        'a metadata value 5,000 objects deep',
        'add',
        `{"ids": ["z"], "embeddings": [[1, 2]], "metadatas": [{"k": ${deep('{"a": ', '1', '}', 5000)}}]}`,
      ],
      ['an unknown field 100,000 arrays deep', 'get', `{"x": ${deep('[', '', ']', 100_000)}}`],
    ];
    for (const [label, op, body] of cases) {
      it(label, async () => {
        expect(await raw(`${base}/${op}`, body)).toMatchObject(
          parseError('recursion limit exceeded at line 1 column \\d+$'),
        );
        expect(await snapshot()).toBe(records);
      });
    }

    it('accepts 127 levels, as Chroma does', async () => {
      const res = await raw(`${base}/get`, `{"x": ${deep('[', '', ']', 126)}, "ids": ["a"]}`);
      expect(res).toMatchObject({ status: 200, body: { ids: ['a'] } });
    });
  });

  describe('lone UTF-16 surrogates are refused, so different ids cannot collide', () => {
    const cases: [string, string, string, string][] = [
      [
        'in an id',
        'add',
        '{"ids": ["\\ud800"], "embeddings": [[1, 2]]}',
        'unexpected end of hex escape',
      ],
      [
        'a lone low one',
        'add',
        '{"ids": ["\\udc00x"], "embeddings": [[1, 2]]}',
        'lone leading surrogate in hex escape',
      ],
      [
        'in a document',
        'add',
        '{"ids": ["s"], "embeddings": [[1, 2]], "documents": ["a\\ud800b"]}',
        'unexpected end of hex escape',
      ],
      [
        'in a metadata key',
        'add',
        '{"ids": ["s"], "embeddings": [[1, 2]], "metadatas": [{"\\ud800": 1}]}',
        'unexpected end of hex escape',
      ],
      [
        'in a metadata value',
        'upsert',
        '{"ids": ["s"], "embeddings": [[1, 2]], "metadatas": [{"k": "\\udfff"}]}',
        'lone leading surrogate in hex escape',
      ],
      [
        'in a where',
        'get',
        '{"where": {"k": "\\ud800\\u0041"}}',
        'lone leading surrogate in hex escape',
      ],
      ['in a delete', 'delete', '{"ids": ["\\udbff"]}', 'unexpected end of hex escape'],
    ];
    for (const [label, op, body, detail] of cases) {
      it(label, async () => {
        expect(await raw(`${base}/${op}`, body)).toMatchObject(
          parseError(`${detail} at line 1 column \\d+$`),
        );
        expect(await snapshot()).toBe(records);
      });
    }

    it('accepts a proper surrogate pair and an escaped backslash', async () => {
      const res = await raw(
        `${base}/get`,
        '{"ids": ["\\ud83d\\ude00", "\\\\ud800"], "include": []}',
      );
      expect(res).toMatchObject({ status: 200, body: { ids: [] } });
    });

    it('refuses bytes that are not UTF-8', async () => {
      const url = `${getGatewayUrls()[0]}${base}/get`;
      const bytes = new Uint8Array([
        ...Buffer.from('{"ids": ["'),
        0xff,
        0xfe,
        ...Buffer.from('"]}'),
      ]);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...adminHeaders() },
        body: bytes,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'InvalidArgumentError',
        message: 'Failed to parse the request body as JSON: invalid unicode code point',
      });
    });
  });

  describe('names of up to 512 characters work in every route', () => {
    const long = (c: string) => `${c}${'a'.repeat(510)}${c}`;

    it('a collection: create, get, delete by name', async () => {
      const name = `${collectionName('n').padEnd(511, 'x')}z`;
      expect(name).toHaveLength(512);
      const created = await http('POST', `${DB}/collections`, { name });
      expect(created).toMatchObject({ status: 200, body: { name } });
      expect(await http('GET', `${DB}/collections/${name}`)).toMatchObject({
        status: 200,
        body: { name },
      });
      expect(await http('DELETE', `${DB}/collections/${name}`)).toMatchObject({ status: 200 });
      expect(await http('GET', `${DB}/collections/${name}`)).toMatchObject({
        status: 404,
        body: { error: 'NotFoundError' },
      });
    });

    it('a tenant and a database', async () => {
      const tenant = `${collectionName('t')}${'t'.repeat(500)}`.slice(0, 511) + 'z';
      const database = long('d');
      expect(await http('POST', '/api/v2/tenants', { name: tenant })).toMatchObject({
        status: 200,
      });
      expect(await http('GET', `/api/v2/tenants/${tenant}`)).toMatchObject({
        status: 200,
        body: { name: tenant },
      });
      const dbs = `/api/v2/tenants/${tenant}/databases`;
      expect(await http('POST', dbs, { name: database })).toMatchObject({ status: 200 });
      expect(await http('GET', `${dbs}/${database}`)).toMatchObject({
        status: 200,
        body: { name: database, tenant },
      });
      expect(await http('GET', dbs)).toMatchObject({ status: 200, body: [{ name: database }] });
      const collections = `${dbs}/${database}/collections`;
      const name = long('c');
      expect(await http('POST', collections, { name })).toMatchObject({ status: 200 });
      expect(await http('GET', `${collections}/${name}`)).toMatchObject({ status: 200 });
      expect(await http('GET', `${dbs}/${database}/collections_count`)).toMatchObject({
        status: 200,
        body: 1,
      });
      expect(await http('DELETE', `${dbs}/${database}`)).toMatchObject({ status: 200 });
    });
  });

  describe('every error is in Chroma format and reveals no internals', () => {
    const chromaError = (res: { body: unknown }) => {
      expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message']);
      expect(JSON.stringify(res.body)).not.toMatch(/UTF8|encoding|postgres|sql|FST_|at .*\.ts/i);
    };

    it('a NUL in a name is a 400 without the database driver text', async () => {
      for (const path of [
        '/api/v2/tenants/%00abc',
        '/api/v2/tenants/default_tenant/databases/ab%00c',
        `${DB}/collections/ab%00c`,
      ]) {
        const res = await http('GET', path);
        expect(res.status, path).toBe(400);
        chromaError(res);
      }
    });

    it('a malformed URL, a huge header, malformed JSON, another media type, no body', async () => {
      const badUrl = await http('GET', '/api/v2/tenants/%zz');
      expect(badUrl).toMatchObject({ status: 400, body: { error: 'InvalidArgumentError' } });
      chromaError(badUrl);
      const huge = await http('GET', '/api/v2/heartbeat', undefined, {
        headers: { 'x-big': 'a'.repeat(70_000) },
      });
      expect(huge.status).toBe(431);
      chromaError(huge);
      expect(await raw(`${base}/get`, '{"ids": [')).toMatchObject(parseError(''));
      const form = await http('POST', `${base}/get`, undefined, {
        rawBody: 'ids=a',
        headers: { 'content-type': 'text/plain' },
      });
      expect(form).toMatchObject({ status: 415, body: { error: 'ChromaError' } });
      expect(await raw(`${base}/get`, '')).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message:
            'Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0',
        },
      });
      expect(await raw(`${base}/delete`, 'null')).toMatchObject({
        status: 422,
        body: { error: 'ChromaError' },
      });
      expect(await snapshot()).toBe(records);
    });

    it('unknown routes are 404 and unknown methods 405, saying HueDB does not support them', async () => {
      for (const [method, path] of [
        ['GET', '/nope'],
        ['GET', '/api/v2/nope'],
        ['POST', '/api/v2/'],
      ] as const) {
        const res = await http(method, path);
        expect(res, path).toMatchObject({
          status: 404,
          body: { error: 'NotFoundError', message: `${method} ${path} is not supported by HueDB` },
        });
      }
      for (const [method, path, allow] of [
        ['DELETE', '/api/v2/heartbeat', 'GET,HEAD'],
        ['GET', `${base}/add`, 'POST'],
        ['DELETE', '/api/v2/tenants/default_tenant', 'GET,HEAD,PATCH'],
      ] as const) {
        const res = await http(method, path);
        expect(res, path).toMatchObject({ status: 405, body: { error: 'ChromaError' } });
        expect((res.body as { message: string }).message).toContain('is not supported by HueDB');
        expect(res.headers.get('allow')).toBe(allow);
      }
      expect((await http('GET', '/api/v2')).body).toHaveProperty(['nanosecond heartbeat']);
    });
  });
});

describe('edge cases, as chroma run answers them', () => {
  let base: string;

  beforeAll(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('edges'),
      embeddingFunction: null,
    });
    base = `${DB}/collections/${c.id}`;
    await http('POST', `${base}/add`, {
      ids: ['a', 'b', 'c'],
      embeddings: [
        [1, 2],
        [3, 4],
        [0.1, 1e-7],
      ],
      documents: ['x', 'y', 'z'],
      metadatas: [{ k: 1 }, { k: 0.5, big: 1e20, tiny: 1e-7 }, null],
    });
  });

  it('keeps integral floats in metadata floats (1.0), through update and upsert', async () => {
    const add = await http('POST', `${base}/add`, undefined, {
      rawBody: `{"ids": ["f1", "f2"], "embeddings": [[9, 9], [9, 8]],
        "metadatas": [{"f": 1.0, "i": 1, "l": [1, 2.0], "m": [1, 2]}, {"g": 2e0}]}`,
    });
    expect(add.status).toBe(201);
    await http('POST', `${base}/update`, undefined, {
      rawBody: '{"ids": ["f1"], "metadatas": [{"i": 5.0, "f": 3}]}',
    });
    await http('POST', `${base}/upsert`, undefined, {
      rawBody: '{"ids": ["f2"], "embeddings": [[9, 8]], "metadatas": [{"h": -0.0}]}',
    });
    const got = await fetch(`${getGatewayUrls()[0]}${base}/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders() },
      body: JSON.stringify({ ids: ['f1', 'f2'], include: ['metadatas'] }),
    });
    expect(await got.text()).toContain(
      '"metadatas":[{"f":3,"i":5.0,"l":[1.0,2.0],"m":[1,2]},{"g":2.0,"h":0.0}]',
    );
    // Filters compare numbers, whatever their type, as Chroma does.
    const filtered = await http('POST', `${base}/get`, { where: { i: { $eq: 5 } }, include: [] });
    expect(filtered.body).toMatchObject({ ids: ['f1'] });
    await http('POST', `${base}/delete`, { ids: ['f1', 'f2'] });
  });

  it('writes floats as Chroma does: 1.0, 0.0, 1e-7, 1e+20', async () => {
    const got = await fetch(`${getGatewayUrls()[0]}${base}/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders() },
      body: JSON.stringify({ include: ['embeddings', 'metadatas'] }),
    });
    expect(await got.text()).toBe(
      '{"ids":["a","b","c"],"embeddings":[[1.0,2.0],[3.0,4.0],[0.1,1e-7]],"documents":null,' +
        '"uris":null,"metadatas":[{"k":1},{"k":0.5,"big":1e+20,"tiny":1e-7},null],' +
        '"include":["embeddings","metadatas"]}',
    );
    const queried = await fetch(`${getGatewayUrls()[0]}${base}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders() },
      body: JSON.stringify({ query_embeddings: [[3, 4]], n_results: 2, include: ['distances'] }),
    });
    expect(await queried.text()).toContain('"distances":[[0.0,8.0]]');
  });

  it('empty and null inputs', async () => {
    const get = (body: object) => http('POST', `${base}/get`, body);
    expect((await get({ limit: 0 })).body).toMatchObject({ ids: [] });
    expect((await get({ offset: 10 })).body).toMatchObject({ ids: [] });
    expect((await get({ ids: [''] })).body).toMatchObject({ ids: [] });
    expect((await get({ include: [] })).body).toEqual({
      ids: ['a', 'b', 'c'],
      embeddings: null,
      documents: null,
      uris: null,
      metadatas: null,
      include: [],
    });
    for (const body of [{ where: {} }, { where_document: {} }]) {
      expect(await get(body)).toMatchObject({
        status: 400,
        body: { error: 'InvalidArgumentError' },
      });
    }
    const query = (body: object) => http('POST', `${base}/query`, body);
    expect((await query({ query_embeddings: [[1, 2]], n_results: 0 })).body).toMatchObject({
      ids: [[]],
      distances: [[]],
    });
    expect((await query({ query_embeddings: [] })).body).toMatchObject({ ids: [], distances: [] });

    const add = await http('POST', `${base}/add`, {
      ids: ['e1', 'e2'],
      embeddings: [
        [1, 1],
        [2, 2],
      ],
      metadatas: [{}, null],
      documents: [null, null],
    });
    expect(add.status).toBe(201);
    expect((await get({ ids: ['e1', 'e2'] })).body).toMatchObject({
      metadatas: [null, null],
      documents: [null, null],
    });
    expect(await http('POST', `${base}/add`, { ids: [''], embeddings: [[1, 2]] })).toMatchObject({
      status: 400,
      body: { message: 'Empty ID, ID must have at least one character' },
    });
    const before = (await get({ ids: ['a'], include: ['embeddings', 'documents', 'metadatas'] }))
      .body;
    for (const body of [
      { ids: ['a'], embeddings: null, documents: null, metadatas: null, uris: null },
      { ids: ['a'], embeddings: [null], documents: [null], metadatas: [null], uris: [null] },
      { ids: ['a'], metadatas: [{}] },
      { ids: [] },
    ]) {
      expect((await http('POST', `${base}/update`, body)).status).toBe(200);
    }
    expect(
      (await get({ ids: ['a'], include: ['embeddings', 'documents', 'metadatas'] })).body,
    ).toEqual(before);
  });

  it('duplicate ids in one write are applied in order, as chroma run does', async () => {
    await http('POST', `${base}/add`, {
      ids: ['d', 'd'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
    });
    await http('POST', `${base}/upsert`, {
      ids: ['u', 'u'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
    });
    const got = await http('POST', `${base}/get`, { ids: ['d', 'u'], include: ['embeddings'] });
    expect((got.body as { embeddings: number[][] }).embeddings).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('a query vector of another dimension is a 400, even right after the first write', async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('dims'),
      embeddingFunction: null,
    });
    const path = `${DB}/collections/${c.id}`;
    // Gateway 1 reads (and caches) the row while the collection has no dimension yet.
    const empty = { query_embeddings: [[1, 2, 3]], include: [] };
    expect(await http('POST', `${path}/query`, empty, { gateway: 1 })).toMatchObject({
      status: 200,
      body: { ids: [[]] },
    });
    expect((await http('POST', `${path}/add`, { ids: ['a'], embeddings: [[1, 2]] })).status).toBe(
      201,
    );
    for (const gateway of [0, 1]) {
      expect(await http('POST', `${path}/query`, empty, { gateway })).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message: 'Collection expecting embedding with dimension of 2, got 3',
        },
      });
    }
  });

  it('count takes read_level', async () => {
    // Every level counts every acknowledged write, as chroma run does.
    const all = (await http('GET', `${base}/count`)).body;
    for (const level of ['index_and_wal', 'index_only', 'index_and_bounded_wal']) {
      expect(await http('GET', `${base}/count?read_level=${level}`), level).toMatchObject({
        status: 200,
        body: all,
      });
    }
    expect(await http('GET', `${base}/count?read_level=bogus`)).toMatchObject({
      status: 400,
      body: {
        error: 'InvalidArgumentError',
        message:
          'Failed to deserialize query string: read_level: unknown variant `bogus`, expected one of `index_and_wal`, `index_only`, `index_and_bounded_wal`',
      },
    });
  });

  it('limit and offset of the list routes are u32, parsed as chroma run parses them', async () => {
    const lists = [`${DB}/collections`, '/api/v2/tenants/default_tenant/databases'];
    for (const list of lists) {
      // Found by fuzzing the cluster: offsets past i32 answered 500 there.
      for (const query of [
        'offset=3486282244',
        'offset=4294967295',
        'limit=4294967295&offset=4294967295',
        'limit=%2B5&offset=007',
      ]) {
        expect(await http('GET', `${list}?${query}`), `${list}?${query}`).toMatchObject({
          status: 200,
          body: [],
        });
      }
      const refused = (name: string, why: string) => ({
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message: `Failed to deserialize query string: ${name}: ${why}`,
        },
      });
      for (const query of ['offset=4294967296', 'offset=102698897802090', 'limit=4294967296']) {
        const name = query.split('=')[0]!;
        expect(await http('GET', `${list}?${query}`), query).toMatchObject(
          refused(name, 'number too large to fit in target type'),
        );
      }
      for (const query of ['limit=abc', 'offset=-1', 'limit=1e3', 'limit=0x10', 'offset=%201']) {
        const name = query.split('=')[0]!;
        expect(await http('GET', `${list}?${query}`), query).toMatchObject(
          refused(name, 'invalid digit found in string'),
        );
      }
      expect(await http('GET', `${list}?limit=`)).toMatchObject(
        refused('limit', 'cannot parse integer from empty string'),
      );
    }
  });
});
