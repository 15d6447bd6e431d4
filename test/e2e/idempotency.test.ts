import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * Writes under an Idempotency-Key header (docs/decisions/0031-idempotent-writes.md), on every
 * deployment and across the cluster's gateways: a retry gets the first answer and is not applied
 * again, another request under the same key is refused and changes nothing, a write that failed
 * can be retried under its key, and writes without the header are as they always were.
 */
describe('idempotent writes', () => {
  let base: string;
  const keyed = (key: string, gateway = 0) => ({ headers: { 'idempotency-key': key }, gateway });
  const records = async () =>
    (await http('POST', `${base}/get`, { include: ['metadatas', 'documents'] })).body as {
      ids: string[];
      metadatas: unknown[];
    };

  beforeAll(async () => {
    const c = await chromaClient().createCollection({
      name: collectionName('idem'),
      embeddingFunction: null,
    });
    base = `${DB}/collections/${c.id}`;
  });

  it('answers a retried delete with the first answer and does not apply it again', async () => {
    const add = {
      ids: ['a', 'b', 'c'],
      embeddings: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    };
    expect((await http('POST', `${base}/add`, add)).status).toBe(201);
    const key = randomUUID();
    const first = await http('POST', `${base}/delete`, { ids: ['a', 'b'] }, keyed(key));
    expect(first).toMatchObject({ status: 200, body: { deleted: 2 } });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same ids come back; a retry of the delete must not delete them again.
    expect((await http('POST', `${base}/add`, { ...add, ids: ['a', 'b', 'c'] })).status).toBe(201);
    for (const gateway of [0, 1]) {
      const retry = await http('POST', `${base}/delete`, { ids: ['a', 'b'] }, keyed(key, gateway));
      expect(retry).toMatchObject({ status: 200, body: { deleted: 2 } });
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
    }
    expect((await records()).ids.sort()).toEqual(['a', 'b', 'c']);
  });

  it('applies a retried upsert once: a write in between is not overwritten by the retry', async () => {
    const key = randomUUID();
    const upsert = (v: number) => ({ ids: ['u'], embeddings: [[v, v]], metadatas: [{ v }] });
    expect((await http('POST', `${base}/upsert`, upsert(1), keyed(key))).status).toBe(200);
    expect((await http('POST', `${base}/upsert`, upsert(2))).status).toBe(200);
    const retry = await http('POST', `${base}/upsert`, upsert(1), keyed(key, 1));
    expect(retry).toMatchObject({ status: 200, body: {} });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const got = await http('POST', `${base}/get`, { ids: ['u'], include: ['metadatas'] });
    expect(got.body).toMatchObject({ ids: ['u'], metadatas: [{ v: 2 }] });
  });

  it('refuses the key for another request with 422, changing nothing', async () => {
    const key = randomUUID();
    await http('POST', `${base}/add`, { ids: ['k1'], embeddings: [[3, 3]] }, keyed(key));
    const before = await records();
    const other = await http(
      'POST',
      `${base}/add`,
      { ids: ['k2'], embeddings: [[4, 4]] },
      keyed(key),
    );
    expect(other).toMatchObject({
      status: 422,
      body: {
        error: 'ChromaError',
        message: expect.stringMatching(/different request/) as unknown,
      },
    });
    // The same key on another route, or another collection, is another request too.
    expect(
      (await http('POST', `${base}/upsert`, { ids: ['k1'], embeddings: [[3, 3]] }, keyed(key)))
        .status,
    ).toBe(422);
    expect(await records()).toEqual(before);
  });

  it('lets a write that was refused be retried under its key once fixed', async () => {
    const key = randomUUID();
    const bad = await http(
      'POST',
      `${base}/add`,
      { ids: ['f'], embeddings: [[1, 2, 3]] },
      keyed(key),
    );
    expect(bad.status).toBe(400);
    // A refused write keeps no answer: the same request runs again (and is refused again).
    expect(
      (await http('POST', `${base}/add`, { ids: ['f'], embeddings: [[1, 2, 3]] }, keyed(key)))
        .status,
    ).toBe(400);
    const fixedKey = randomUUID();
    expect(
      (await http('POST', `${base}/add`, { ids: ['f'], embeddings: [[1, 2]] }, keyed(fixedKey)))
        .status,
    ).toBe(201);
    expect((await records()).ids).toContain('f');
  });

  it('answers one of many racing requests under one key; the others wait (409) or replay', async () => {
    const key = randomUUID();
    const body = { ids: ['r'], embeddings: [[5, 5]], metadatas: [{ n: 1 }] };
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => http('POST', `${base}/upsert`, body, keyed(key, i))),
    );
    const statuses = answers.map((a) => a.status);
    expect(
      statuses.every((s) => s === 200 || s === 409),
      statuses.join(),
    ).toBe(true);
    const ran = answers.filter(
      (a) => a.status === 200 && a.headers.get('idempotent-replayed') === null,
    );
    expect(ran).toHaveLength(1);
    for (const busy of answers.filter((a) => a.status === 409)) {
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.body).toMatchObject({ error: 'ChromaError' });
    }
  });

  it('refuses a malformed key with 400 before anything is written', async () => {
    for (const key of ['', 'x'.repeat(256), 'has space', 'é']) {
      const res = await http(
        'POST',
        `${base}/add`,
        { ids: ['m'], embeddings: [[9, 9]] },
        {
          headers: { 'idempotency-key': key },
        },
      );
      expect(res, JSON.stringify(key)).toMatchObject({
        status: 400,
        body: { error: 'InvalidArgumentError' },
      });
    }
    expect((await records()).ids).not.toContain('m');
    // An RFC 8941 string (the IETF draft's form) is the key between its quotes.
    const quoted = randomUUID();
    expect(
      (
        await http(
          'POST',
          `${base}/add`,
          { ids: ['q'], embeddings: [[8, 8]] },
          { headers: { 'idempotency-key': `"${quoted}"` } },
        )
      ).status,
    ).toBe(201);
    const retry = await http(
      'POST',
      `${base}/add`,
      { ids: ['q'], embeddings: [[8, 8]] },
      keyed(quoted),
    );
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });
});
