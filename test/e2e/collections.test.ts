import { ChromaNotFoundError, ChromaUniqueError } from 'chromadb';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '@huedb/testing';
import { chromaClient, collectionName, DB, http } from './support.js';

describe('tenants and databases (chromadb client + wire)', () => {
  it('creates and reads tenants and databases, with Chroma errors for duplicates and missing ones', async () => {
    const tenant = uniqueName('tenant');
    expect(await http('POST', '/api/v2/tenants', { name: tenant })).toMatchObject({
      status: 200,
      body: {},
    });
    expect(await http('POST', '/api/v2/tenants', { name: tenant })).toMatchObject({
      status: 409,
      body: { error: 'ChromaError' },
    });
    expect(await http('GET', `/api/v2/tenants/${tenant}`)).toMatchObject({
      status: 200,
      body: { name: tenant },
    });
    expect(await http('GET', `/api/v2/tenants/${uniqueName('missing')}`)).toMatchObject({
      status: 404,
      body: { error: 'NotFoundError' },
    });

    const client = chromaClient(0, { tenant, database: 'db-one' });
    expect(
      await http('POST', `/api/v2/tenants/${tenant}/databases`, { name: 'db-one' }),
    ).toMatchObject({ status: 200 });
    expect(
      await http('POST', `/api/v2/tenants/${tenant}/databases`, { name: 'db-two' }),
    ).toMatchObject({ status: 200 });
    const list = await http('GET', `/api/v2/tenants/${tenant}/databases`);
    expect((list.body as { name: string }[]).map((d) => d.name)).toEqual(['db-one', 'db-two']);
    const page = await http('GET', `/api/v2/tenants/${tenant}/databases?limit=1&offset=1`);
    expect((page.body as { name: string }[]).map((d) => d.name)).toEqual(['db-two']);

    const created = await client.createCollection({ name: 'inside', embeddingFunction: null });
    expect(created.tenant).toBe(tenant);
    expect(await client.countCollections()).toBe(1);
    expect(await http('DELETE', `/api/v2/tenants/${tenant}/databases/db-one`)).toMatchObject({
      status: 200,
    });
    expect(await http('GET', `/api/v2/tenants/${tenant}/databases/db-one`)).toMatchObject({
      status: 404,
      body: { error: 'NotFoundError' },
    });
  });

  it('rejects invalid names with InvalidArgumentError', async () => {
    for (const name of [
      'ab',
      '-abc',
      'abc-',
      'a..b',
      '192.168.1.1',
      'x'.repeat(513),
      'has space',
    ]) {
      const res = await http('POST', `${DB}/collections`, { name });
      expect(res, name).toMatchObject({ status: 400, body: { error: 'InvalidArgumentError' } });
    }
    expect(await http('POST', '/api/v2/tenants', { name: 'no' })).toMatchObject({ status: 400 });
  });
});

describe('collections (chromadb client)', () => {
  const client = chromaClient();

  it('creates, gets by name and id, lists in creation order, counts', async () => {
    const names = [collectionName('a'), collectionName('b')];
    const a = await client.createCollection({
      name: names[0]!,
      metadata: { team: 'x', n: 1 },
      embeddingFunction: null,
    });
    const b = await client.createCollection({ name: names[1]!, embeddingFunction: null });
    expect(a.metadata).toEqual({ team: 'x', n: 1 });
    expect((await client.getCollection({ name: names[0]! })).id).toBe(a.id);

    const byId = await http('GET', `${DB}/collections/by-id/${b.id}`);
    expect(byId.body).toMatchObject({
      id: b.id,
      name: names[1],
      metadata: null,
      dimension: null,
      tenant: 'default_tenant',
      database: 'default_database',
      log_position: 0,
      version: 0,
      configuration_json: {
        hnsw: { space: 'l2', ef_construction: 100, ef_search: 100, max_neighbors: 16 },
      },
    });

    const all = await client.listCollections({ limit: 1000 });
    const order = all.map((c) => c.name).filter((n) => names.includes(n));
    expect(order).toEqual(names);
    const count = await http('GET', `${DB}/collections_count`);
    expect(count.body).toBe(all.length);
  });

  it('get_or_create returns the existing collection unchanged; create of a duplicate is 409', async () => {
    const name = collectionName('goc');
    const first = await client.createCollection({
      name,
      metadata: { v: 1 },
      embeddingFunction: null,
    });
    const again = await client.getOrCreateCollection({
      name,
      metadata: { v: 2 },
      embeddingFunction: null,
    });
    expect(again.id).toBe(first.id);
    expect(again.metadata).toEqual({ v: 1 });
    await expect(client.createCollection({ name, embeddingFunction: null })).rejects.toBeInstanceOf(
      ChromaUniqueError,
    );
    const raw = await http('POST', `${DB}/collections`, { name });
    expect(raw).toMatchObject({
      status: 409,
      body: { error: 'ChromaError', message: `Collection [${name}] already exists` },
    });
  });

  it('renames, replaces metadata wholesale, and frees a deleted name at once', async () => {
    const name = collectionName('mod');
    const renamed = collectionName('renamed');
    const c = await client.createCollection({
      name,
      metadata: { a: 1, b: 2 },
      embeddingFunction: null,
    });
    await c.modify({ name: renamed, metadata: { c: 3 } });
    const fetched = await client.getCollection({ name: renamed });
    expect(fetched.metadata).toEqual({ c: 3 });
    await expect(client.getCollection({ name })).rejects.toBeInstanceOf(ChromaNotFoundError);

    await client.deleteCollection({ name: renamed });
    const missing = await http('GET', `${DB}/collections/${renamed}`);
    expect(missing).toMatchObject({
      status: 404,
      body: { error: 'NotFoundError', message: `Collection [${renamed}] does not exist` },
    });
    const reborn = await client.createCollection({ name: renamed, embeddingFunction: null });
    expect(reborn.id).not.toBe(c.id);
    expect(await http('DELETE', `${DB}/collections/${collectionName('never')}`)).toMatchObject({
      status: 404,
    });
  });

  it('maps legacy hnsw:* metadata and configuration into configuration_json', async () => {
    const legacy = await http('POST', `${DB}/collections`, {
      name: collectionName('legacy'),
      metadata: { 'hnsw:space': 'cosine', 'hnsw:search_ef': 50 },
    });
    expect(legacy.body).toMatchObject({
      configuration_json: { hnsw: { space: 'cosine', ef_search: 50 } },
    });
    const configured = await http('POST', `${DB}/collections`, {
      name: collectionName('conf'),
      configuration: { hnsw: { space: 'ip', ef_construction: 200 } },
    });
    expect(configured.body).toMatchObject({
      configuration_json: { hnsw: { space: 'ip', ef_construction: 200 } },
    });
    const id = (configured.body as { id: string }).id;
    // space and ef_construction are fixed at creation: Chroma's update type has no such fields.
    const change = await http('PUT', `${DB}/collections/${id}`, {
      new_configuration: { hnsw: { space: 'l2' } },
    });
    expect(change).toMatchObject({
      status: 422,
      body: {
        error: 'ChromaError',
        message:
          'Failed to deserialize the JSON body into the target type: new_configuration.hnsw.space: unknown field `space`, expected one of `ef_search`, `max_neighbors`, `num_threads`, `resize_factor`, `sync_threshold`, `batch_size`',
      },
    });
    const ok = await http('PUT', `${DB}/collections/${id}`, {
      new_configuration: { hnsw: { ef_search: 77 } },
    });
    expect(ok.status).toBe(200);
    expect((await http('GET', `${DB}/collections/by-id/${id}`)).body).toMatchObject({
      configuration_json: { hnsw: { space: 'ip', ef_search: 77 } },
    });
  });
});
