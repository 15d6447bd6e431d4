import { randomUUID } from 'node:crypto';
import { Code } from '@huedb/grpc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_ID } from '../src/index.js';
import { startTestCatalog, type CatalogClient, type RunningCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode, meta } from './support/rpc.js';

describe.each(DRIVER_KINDS)('catalog over gRPC on %s', (kind) => {
  let catalog: RunningCatalog;
  let client: CatalogClient;
  let n = 0;
  /** A name no other test in this file uses. */
  const fresh = (prefix: string) => `${prefix}-${++n}`;

  /** A new tenant with one database; returns their names. */
  async function scope(): Promise<{ tenant: string; database: string }> {
    const tenant = fresh('tenant');
    const database = fresh('db');
    await client.createTenant({ name: tenant });
    await client.createDatabase({ tenant, name: database });
    return { tenant, database };
  }

  beforeAll(async () => {
    catalog = await startTestCatalog(kind, 'catalog_grpc');
    client = catalog.client;
  });

  afterEach(() => {
    expect(catalog.internalErrors).toEqual([]);
  });

  afterAll(async () => {
    await catalog?.stop();
  });

  describe('tenants', () => {
    it('has default_tenant from the migrations', async () => {
      const { tenant } = await client.getTenant({ name: 'default_tenant' });
      expect(tenant?.name).toBe('default_tenant');
      expect(tenant?.resourceName).toBeUndefined();
    });

    it('creates a tenant once; a duplicate is ALREADY_EXISTS', async () => {
      const name = fresh('acme');
      const { tenant } = await client.createTenant({ name });
      expect(tenant).toMatchObject({ name });
      expect(tenant?.resourceName).toBeUndefined();
      await expectCode(
        client.createTenant({ name }),
        Code.ALREADY_EXISTS,
        `Tenant [${name}] already exists`,
      );
    });

    it('answers NOT_FOUND for a missing tenant, like Chroma', async () => {
      await expectCode(
        client.getTenant({ name: 'nope' }),
        Code.NOT_FOUND,
        'Tenant [nope] not found',
      );
    });

    it('rejects an empty name', async () => {
      await expectCode(client.createTenant({ name: '' }), Code.INVALID_ARGUMENT);
    });

    it('sets a resource name, unique across tenants', async () => {
      const a = fresh('ta');
      const b = fresh('tb');
      await client.createTenant({ name: a });
      await client.createTenant({ name: b });
      const rn = fresh('crn');
      const { tenant } = await client.updateTenant({ name: a, resourceName: rn });
      expect(tenant).toMatchObject({ name: a, resourceName: rn });
      expect((await client.getTenant({ name: a })).tenant?.resourceName).toBe(rn);
      await expectCode(client.updateTenant({ name: b, resourceName: rn }), Code.ALREADY_EXISTS);
      await expectCode(
        client.updateTenant({ name: 'missing', resourceName: fresh('crn') }),
        Code.NOT_FOUND,
        'Tenant [missing] not found',
      );
      await expectCode(client.updateTenant({ name: a, resourceName: '' }), Code.INVALID_ARGUMENT);
    });
  });

  describe('databases', () => {
    it('has default_database with its fixed id', async () => {
      const { database } = await client.getDatabase({
        tenant: 'default_tenant',
        name: 'default_database',
      });
      expect(database).toMatchObject({
        id: DEFAULT_DATABASE_ID,
        name: 'default_database',
        tenant: 'default_tenant',
      });
    });

    it('creates, gets and rejects duplicates per tenant', async () => {
      const tenant = fresh('t');
      const other = fresh('t');
      await client.createTenant({ name: tenant });
      await client.createTenant({ name: other });
      const { database } = await client.createDatabase({ tenant, name: 'main' });
      expect(database?.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(database).toMatchObject({ name: 'main', tenant });
      expect((await client.getDatabase({ tenant, name: 'main' })).database).toEqual(database);
      await expectCode(
        client.createDatabase({ tenant, name: 'main' }),
        Code.ALREADY_EXISTS,
        'Database [main] already exists',
      );
      // The same name in another tenant is another database.
      const { database: second } = await client.createDatabase({ tenant: other, name: 'main' });
      expect(second?.id).not.toBe(database?.id);
    });

    it('answers NOT_FOUND for a missing tenant or database', async () => {
      await expectCode(
        client.createDatabase({ tenant: 'ghost', name: 'x' }),
        Code.NOT_FOUND,
        'Tenant [ghost] not found',
      );
      await expectCode(
        client.getDatabase({ tenant: 'default_tenant', name: 'ghost' }),
        Code.NOT_FOUND,
        'Database [ghost] not found',
      );
      await expectCode(
        client.getDatabase({ tenant: 'ghost', name: 'ghost' }),
        Code.NOT_FOUND,
        'Tenant [ghost] not found',
      );
      await expectCode(client.listDatabases({ tenant: 'ghost' }), Code.NOT_FOUND);
      await expectCode(
        client.deleteDatabase({ tenant: 'default_tenant', name: 'ghost' }),
        Code.NOT_FOUND,
        'Database [ghost] not found',
      );
      await expectCode(
        client.createDatabase({ tenant: 'default_tenant', name: '' }),
        Code.INVALID_ARGUMENT,
      );
    });

    it('lists in creation order with limit and offset', async () => {
      const tenant = fresh('t');
      await client.createTenant({ name: tenant });
      // Names in reverse alphabetical order, so creation order is not name order.
      const names = ['e', 'd', 'c', 'b', 'a'].map((x) => `db-${x}`);
      for (const name of names) await client.createDatabase({ tenant, name });
      const all = await client.listDatabases({ tenant });
      expect(all.databases.map((d) => d.name)).toEqual(names);
      const page = await client.listDatabases({ tenant, limit: 2, offset: 1 });
      expect(page.databases.map((d) => d.name)).toEqual(names.slice(1, 3));
      const tail = await client.listDatabases({ tenant, offset: 4 });
      expect(tail.databases.map((d) => d.name)).toEqual(names.slice(4));
      expect((await client.listDatabases({ tenant, limit: 0 })).databases).toEqual([]);
      await expectCode(client.listDatabases({ tenant, offset: -1 }), Code.INVALID_ARGUMENT);
      await expectCode(client.listDatabases({ tenant, limit: -1 }), Code.INVALID_ARGUMENT);
    });

    it('deletes a database with its collections and frees its name', async () => {
      const { tenant, database } = await scope();
      const a = await client.createCollection({ tenant, database, name: 'a' });
      const b = await client.createCollection({ tenant, database, name: 'b' });
      await client.deleteCollection({ tenant, database, name: 'b' });
      const { deletedCollectionIds } = await client.deleteDatabase({ tenant, name: database });
      // Only the live collection; b was already deleted.
      expect(deletedCollectionIds).toEqual([a.collection!.id]);
      await expectCode(client.getDatabase({ tenant, name: database }), Code.NOT_FOUND);
      await expectCode(
        client.getCollection({ tenant, database, selector: { case: 'name', value: 'a' } }),
        Code.NOT_FOUND,
        `Database [${database}] not found`,
      );
      expect((await client.listDatabases({ tenant })).databases).toEqual([]);
      // The name is reusable; the new database is empty and has a new id.
      const again = await client.createDatabase({ tenant, name: database });
      expect(again.database?.id).not.toBe(a.collection!.databaseId);
      expect((await client.countCollections({ tenant, database })).count).toBe(0n);
      await expectCode(
        client.setCollectionDimension({ id: a.collection!.id, dimension: 3 }),
        Code.NOT_FOUND,
      );
      // b was a real collection (a UUID the catalog assigned), deleted before its database.
      expect(b.collection!.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(b.collection!.id).not.toBe(a.collection!.id);
    });
  });

  describe('collections', () => {
    it('creates a collection with every field set as given', async () => {
      const { tenant, database } = await scope();
      const before = BigInt(Date.now());
      const configurationJson = '{"hnsw":{"space":"cosine","ef_search":100}}';
      const schemaJson = '{"defaults":{}}';
      const res = await client.createCollection({
        tenant,
        database,
        name: 'docs',
        metadata: { fields: { topic: meta.str('news'), n: meta.int(3n) } },
        configurationJson,
        schemaJson,
      });
      expect(res.created).toBe(true);
      const c = res.collection!;
      expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const { database: db } = await client.getDatabase({ tenant, name: database });
      expect(c).toMatchObject({
        name: 'docs',
        tenant,
        database,
        databaseId: db!.id,
        configurationJson,
        schemaJson,
        logPosition: 0n,
        version: 0n,
        segmentManifestKey: '',
      });
      expect(c.dimension).toBeUndefined();
      expect(c.metadata?.fields.topic?.kind).toEqual({ case: 'stringValue', value: 'news' });
      expect(c.metadata?.fields.n?.kind).toEqual({ case: 'intValue', value: 3n });
      // The catalog's clock; the database runs on this host.
      expect(c.createdAtMs).toBeGreaterThanOrEqual(before - 5_000n);
      expect(c.createdAtMs).toBeLessThanOrEqual(BigInt(Date.now()) + 5_000n);
    });

    it('leaves metadata unset when none is given, and defaults configuration to {}', async () => {
      const { tenant, database } = await scope();
      const { collection } = await client.createCollection({ tenant, database, name: 'bare' });
      expect(collection?.metadata).toBeUndefined();
      expect(collection?.configurationJson).toBe('{}');
      expect(collection?.schemaJson).toBe('');
    });

    it('round-trips every metadata kind with ints and floats kept apart', async () => {
      const { tenant, database } = await scope();
      const fields = {
        s: meta.str('naïve "q" ✓'),
        i: meta.int(-9223372036854775808n),
        f: meta.float(1),
        f2: meta.float(0.1),
        b: meta.bool(true),
        il: meta.ints([1n, 2n]),
        fl: meta.floats([1, 2.5]),
        sl: meta.strs(['x', 'y']),
      };
      const created = await client.createCollection({
        tenant,
        database,
        name: 'typed',
        metadata: { fields },
      });
      const { collection } = await client.getCollection({
        tenant,
        database,
        selector: { case: 'id', value: created.collection!.id },
      });
      const got = collection!.metadata!.fields;
      expect(Object.keys(got).sort()).toEqual(Object.keys(fields).sort());
      expect(got.f?.kind).toEqual({ case: 'floatValue', value: 1 });
      expect(got.f2?.kind).toEqual({ case: 'floatValue', value: 0.1 });
      expect(got.i?.kind).toEqual({ case: 'intValue', value: -9223372036854775808n });
      expect(got.il?.kind).toMatchObject({ case: 'intList', value: { values: [1n, 2n] } });
      expect(got.fl?.kind).toMatchObject({ case: 'floatList', value: { values: [1, 2.5] } });
      expect(got.sl?.kind).toMatchObject({ case: 'stringList', value: { values: ['x', 'y'] } });
      expect(got.s?.kind).toEqual({ case: 'stringValue', value: 'naïve "q" ✓' });
      expect(got.b?.kind).toEqual({ case: 'boolValue', value: true });
    });

    it('rejects what cannot be stored with INVALID_ARGUMENT', async () => {
      const { tenant, database } = await scope();
      const base = { tenant, database, name: fresh('c') };
      await expectCode(client.createCollection({ ...base, name: '' }), Code.INVALID_ARGUMENT);
      await expectCode(
        client.createCollection({
          ...base,
          metadata: { fields: { k: { kind: { case: 'deleted', value: true } } } },
        }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, metadata: { fields: { k: meta.ints([]) } } }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, metadata: { fields: { k: meta.float(Number.NaN) } } }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, configurationJson: '{nope' }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, schemaJson: 'nope' }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, id: 'not-a-uuid' }),
        Code.INVALID_ARGUMENT,
      );
      // A NUL character reaches Postgres, which cannot store it: still the request's fault.
      await expectCode(
        client.createCollection({ ...base, name: 'a\u0000b' }),
        Code.INVALID_ARGUMENT,
      );
      expect((await client.countCollections({ tenant, database })).count).toBe(0n);
    });

    it('uses the id the caller gives, and never reuses an id', async () => {
      const { tenant, database } = await scope();
      const id = randomUUID();
      const { collection } = await client.createCollection({ tenant, database, name: 'x', id });
      expect(collection?.id).toBe(id);
      await expectCode(
        client.createCollection({ tenant, database, name: 'y', id }),
        Code.ALREADY_EXISTS,
      );
      await client.deleteCollection({ tenant, database, name: 'x' });
      await expectCode(
        client.createCollection({ tenant, database, name: 'x', id }),
        Code.ALREADY_EXISTS,
        `Collection [${id}] already exists`,
      );
    });

    it('answers ALREADY_EXISTS for a duplicate name, or the existing one unchanged with get_or_create', async () => {
      const { tenant, database } = await scope();
      const first = await client.createCollection({
        tenant,
        database,
        name: 'dup',
        metadata: { fields: { v: meta.int(1n) } },
        configurationJson: '{"hnsw":{"space":"l2"}}',
      });
      await expectCode(
        client.createCollection({ tenant, database, name: 'dup' }),
        Code.ALREADY_EXISTS,
        'Collection [dup] already exists',
      );
      const second = await client.createCollection({
        tenant,
        database,
        name: 'dup',
        metadata: { fields: { v: meta.int(2n) } },
        configurationJson: '{"hnsw":{"space":"ip"}}',
        getOrCreate: true,
      });
      expect(second.created).toBe(false);
      expect(second.collection).toEqual(first.collection);
      // get_or_create of a new name creates it.
      const third = await client.createCollection({
        tenant,
        database,
        name: 'fresh',
        getOrCreate: true,
      });
      expect(third.created).toBe(true);
    });

    it('answers NOT_FOUND for a missing tenant or database on every collection call', async () => {
      const { tenant } = await scope();
      const calls = [
        () => client.createCollection({ tenant: 'ghost', database: 'x', name: 'c' }),
        () => client.listCollections({ tenant: 'ghost', database: 'x' }),
        () => client.countCollections({ tenant: 'ghost', database: 'x' }),
        () =>
          client.getCollection({
            tenant: 'ghost',
            database: 'x',
            selector: { case: 'name', value: 'c' },
          }),
        () => client.deleteCollection({ tenant: 'ghost', database: 'x', name: 'c' }),
        () => client.updateCollection({ tenant: 'ghost', database: 'x', id: randomUUID() }),
      ];
      for (const call of calls) {
        await expectCode(call(), Code.NOT_FOUND, 'Tenant [ghost] not found');
      }
      await expectCode(
        client.createCollection({ tenant, database: 'ghost', name: 'c' }),
        Code.NOT_FOUND,
        'Database [ghost] not found',
      );
      await expectCode(
        client.listCollections({ tenant, database: 'ghost' }),
        Code.NOT_FOUND,
        'Database [ghost] not found',
      );
    });

    it('gets a collection by name or by id, scoped to its tenant and database', async () => {
      const mine = await scope();
      const theirs = await scope();
      const sibling = fresh('db');
      await client.createDatabase({ tenant: mine.tenant, name: sibling });
      const { collection } = await client.createCollection({ ...mine, name: 'private' });
      const id = collection!.id;

      const byName = await client.getCollection({
        ...mine,
        selector: { case: 'name', value: 'private' },
      });
      expect(byName.collection).toEqual(collection);
      const byId = await client.getCollection({ ...mine, selector: { case: 'id', value: id } });
      expect(byId.collection).toEqual(collection);
      // Upper-case UUID text names the same collection.
      const upper = await client.getCollection({
        ...mine,
        selector: { case: 'id', value: id.toUpperCase() },
      });
      expect(upper.collection?.id).toBe(id);

      await expectCode(
        client.getCollection({ ...theirs, selector: { case: 'id', value: id } }),
        Code.NOT_FOUND,
        `Collection [${id}] does not exist`,
      );
      await expectCode(
        client.getCollection({
          tenant: mine.tenant,
          database: sibling,
          selector: { case: 'id', value: id },
        }),
        Code.NOT_FOUND,
      );
      await expectCode(
        client.getCollection({ ...mine, selector: { case: 'name', value: 'nope' } }),
        Code.NOT_FOUND,
        'Collection [nope] does not exist',
      );
      await expectCode(
        client.getCollection({ ...mine, selector: { case: 'id', value: 'zzz' } }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(client.getCollection({ ...mine }), Code.INVALID_ARGUMENT);
    });

    it('lists in creation order with limit and offset, and counts', async () => {
      const s = await scope();
      const names = ['zeta', 'alpha', 'mu', 'beta', 'omega', 'gamma', 'delta'];
      for (const name of names) await client.createCollection({ ...s, name });
      await client.deleteCollection({ ...s, name: 'mu' });
      const live = names.filter((x) => x !== 'mu');

      const all = await client.listCollections(s);
      expect(all.collections.map((c) => c.name)).toEqual(live);
      const created = all.collections.map((c) => c.createdAtMs);
      expect([...created].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(created);

      const pages: string[] = [];
      for (let offset = 0; offset < live.length; offset += 4) {
        const page = await client.listCollections({ ...s, limit: 4, offset });
        expect(page.collections.length).toBeLessThanOrEqual(4);
        pages.push(...page.collections.map((c) => c.name));
      }
      expect(pages).toEqual(live);
      expect((await client.listCollections({ ...s, offset: 100 })).collections).toEqual([]);
      expect((await client.countCollections(s)).count).toBe(BigInt(live.length));
      await expectCode(client.listCollections({ ...s, limit: -5 }), Code.INVALID_ARGUMENT);

      // A newly created collection with a reused name goes to the end.
      await client.createCollection({ ...s, name: 'mu' });
      const after = await client.listCollections(s);
      expect(after.collections.map((c) => c.name)).toEqual([...live, 'mu']);
    });

    it('updates name, metadata (wholesale) and configuration', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({
        ...s,
        name: 'old',
        metadata: { fields: { a: meta.int(1n), b: meta.int(2n) } },
        configurationJson: '{"hnsw":{"ef_search":10}}',
      });
      const id = collection!.id;
      await client.createCollection({ ...s, name: 'taken' });

      const renamed = await client.updateCollection({ ...s, id, newName: 'new' });
      expect(renamed.collection).toMatchObject({ id, name: 'new' });
      // A rename alone keeps the metadata as it was.
      expect(renamed.collection?.metadata?.fields.b?.kind).toEqual({ case: 'intValue', value: 2n });
      // The old name is free at once.
      await client.createCollection({ ...s, name: 'old' });

      const remeta = await client.updateCollection({
        ...s,
        id,
        newMetadata: { fields: { c: meta.float(3) } },
      });
      expect(Object.keys(remeta.collection!.metadata!.fields)).toEqual(['c']);
      expect(remeta.collection?.metadata?.fields.c?.kind).toEqual({ case: 'floatValue', value: 3 });
      expect(remeta.collection?.name).toBe('new');
      expect(remeta.collection?.configurationJson).toBe('{"hnsw":{"ef_search":10}}');

      const reconf = await client.updateCollection({
        ...s,
        id,
        newConfigurationJson: '{"hnsw":{"ef_search":50}}',
      });
      expect(reconf.collection?.configurationJson).toBe('{"hnsw":{"ef_search":50}}');
      expect(Object.keys(reconf.collection!.metadata!.fields)).toEqual(['c']);
      expect(reconf.collection?.schemaJson).toBe('');

      const reschema = await client.updateCollection({
        ...s,
        id,
        newConfigurationJson: '{"hnsw":{"ef_search":60}}',
        newSchemaJson: '{"defaults":{},"keys":{}}',
      });
      expect(reschema.collection).toMatchObject({
        configurationJson: '{"hnsw":{"ef_search":60}}',
        schemaJson: '{"defaults":{},"keys":{}}',
      });
      await expectCode(
        client.updateCollection({ ...s, id, newSchemaJson: 'x' }),
        Code.INVALID_ARGUMENT,
      );

      // Renaming to its own name is fine; to another live collection's is not.
      await client.updateCollection({ ...s, id, newName: 'new' });
      await expectCode(
        client.updateCollection({ ...s, id, newName: 'taken' }),
        Code.ALREADY_EXISTS,
        'Collection [taken] already exists',
      );
      await expectCode(client.updateCollection({ ...s, id, newName: '' }), Code.INVALID_ARGUMENT);
      await expectCode(
        client.updateCollection({ ...s, id, newConfigurationJson: 'x' }),
        Code.INVALID_ARGUMENT,
      );
      const ghost = randomUUID();
      await expectCode(
        client.updateCollection({ ...s, id: ghost, newName: 'z' }),
        Code.NOT_FOUND,
        `Collection [${ghost}] does not exist`,
      );
      const other = await scope();
      await expectCode(client.updateCollection({ ...other, id, newName: 'z' }), Code.NOT_FOUND);
      expect(
        (await client.getCollection({ ...s, selector: { case: 'id', value: id } })).collection
          ?.name,
      ).toBe('new');
    });

    it('deletes by name, returns the id and frees the name at once', async () => {
      const s = await scope();
      const ids: string[] = [];
      for (let round = 0; round < 3; round++) {
        const { collection } = await client.createCollection({ ...s, name: 'reused' });
        ids.push(collection!.id);
        const { id } = await client.deleteCollection({ ...s, name: 'reused' });
        expect(id).toBe(collection!.id);
        await expectCode(
          client.getCollection({ ...s, selector: { case: 'id', value: id } }),
          Code.NOT_FOUND,
        );
      }
      expect(new Set(ids).size).toBe(3);
      expect((await client.countCollections(s)).count).toBe(0n);
      await expectCode(
        client.deleteCollection({ ...s, name: 'reused' }),
        Code.NOT_FOUND,
        'Collection [reused] does not exist',
      );
      await expectCode(client.deleteCollection({ ...s, name: '' }), Code.INVALID_ARGUMENT);
    });

    it('fixes the dimension once (compare-and-set on unset)', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'dim' });
      const id = collection!.id;
      expect((await client.setCollectionDimension({ id, dimension: 384 })).dimension).toBe(384);
      expect((await client.setCollectionDimension({ id, dimension: 768 })).dimension).toBe(384);
      const got = await client.getCollection({ ...s, selector: { case: 'id', value: id } });
      expect(got.collection?.dimension).toBe(384);
      await expectCode(client.setCollectionDimension({ id, dimension: 0 }), Code.INVALID_ARGUMENT);
      await expectCode(
        client.setCollectionDimension({ id: randomUUID(), dimension: 3 }),
        Code.NOT_FOUND,
      );
      await expectCode(
        client.setCollectionDimension({ id: 'x', dimension: 3 }),
        Code.INVALID_ARGUMENT,
      );
    });
  });

  describe('compaction registry', () => {
    it('advances version and log position by compare-and-swap and records each version', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'compacted' });
      const id = collection!.id;

      const v1 = await client.registerCompaction({
        collectionId: id,
        expectedVersion: 0n,
        logPosition: 10n,
        manifestKey: 'k/v1/manifest.json',
        recordCount: 5n,
      });
      expect(v1.collection).toMatchObject({
        id,
        version: 1n,
        logPosition: 10n,
        segmentManifestKey: 'k/v1/manifest.json',
      });
      // The same log position again is allowed (nothing new, e.g. a rebuild).
      const v2 = await client.registerCompaction({
        collectionId: id,
        expectedVersion: 1n,
        logPosition: 10n,
        manifestKey: 'k/v2/manifest.json',
        recordCount: 5n,
      });
      expect(v2.collection).toMatchObject({ version: 2n, logPosition: 10n });
      const v3 = await client.registerCompaction({
        collectionId: id,
        expectedVersion: 2n,
        logPosition: 9_007_199_254_740_993n, // beyond 2^53: int64 end to end
        manifestKey: 'k/v3/manifest.json',
        recordCount: 7n,
      });
      expect(v3.collection?.logPosition).toBe(9_007_199_254_740_993n);

      const got = await client.getCollection({ ...s, selector: { case: 'id', value: id } });
      expect(got.collection).toMatchObject({
        version: 3n,
        logPosition: 9_007_199_254_740_993n,
        segmentManifestKey: 'k/v3/manifest.json',
      });

      const { versions } = await client.listSegmentVersions({ collectionId: id });
      expect(versions.map((v) => [v.version, v.logPosition, v.manifestKey, v.recordCount])).toEqual(
        [
          [3n, 9_007_199_254_740_993n, 'k/v3/manifest.json', 7n],
          [2n, 10n, 'k/v2/manifest.json', 5n],
          [1n, 10n, 'k/v1/manifest.json', 5n],
        ],
      );
      expect(versions.every((v) => v.collectionId === id && v.createdAtMs > 0n)).toBe(true);
    });

    it('rejects a stale version or a log position moving backwards with FAILED_PRECONDITION', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'cas' });
      const id = collection!.id;
      await client.registerCompaction({
        collectionId: id,
        expectedVersion: 0n,
        logPosition: 100n,
        manifestKey: 'm1',
        recordCount: 1n,
      });
      await expectCode(
        client.registerCompaction({
          collectionId: id,
          expectedVersion: 0n,
          logPosition: 200n,
          manifestKey: 'm-stale',
          recordCount: 1n,
        }),
        Code.FAILED_PRECONDITION,
        /version 1, not 0/,
      );
      await expectCode(
        client.registerCompaction({
          collectionId: id,
          expectedVersion: 1n,
          logPosition: 99n,
          manifestKey: 'm-back',
          recordCount: 1n,
        }),
        Code.FAILED_PRECONDITION,
        /behind 100/,
      );
      // Nothing changed by the rejected calls.
      const got = await client.getCollection({ ...s, selector: { case: 'id', value: id } });
      expect(got.collection).toMatchObject({
        version: 1n,
        logPosition: 100n,
        segmentManifestKey: 'm1',
      });
      expect((await client.listSegmentVersions({ collectionId: id })).versions).toHaveLength(1);

      const valid = {
        collectionId: id,
        expectedVersion: 1n,
        logPosition: 100n,
        manifestKey: 'm',
        recordCount: 0n,
      };
      await expectCode(
        client.registerCompaction({ ...valid, manifestKey: '' }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.registerCompaction({ ...valid, logPosition: -1n }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.registerCompaction({ ...valid, recordCount: -1n }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.registerCompaction({ ...valid, collectionId: randomUUID() }),
        Code.NOT_FOUND,
      );
    });

    it('forgets old versions, never the current one of a live collection', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'gc' });
      const id = collection!.id;
      for (let v = 0n; v < 4n; v++) {
        await client.registerCompaction({
          collectionId: id,
          expectedVersion: v,
          logPosition: v * 10n,
          manifestKey: `m${v + 1n}`,
          recordCount: v,
        });
      }
      await expectCode(
        client.deleteSegmentVersions({ collectionId: id, belowVersion: 5n }),
        Code.FAILED_PRECONDITION,
      );
      expect(
        (await client.deleteSegmentVersions({ collectionId: id, belowVersion: 3n })).deleted,
      ).toBe(2n);
      expect(
        (await client.deleteSegmentVersions({ collectionId: id, belowVersion: 3n })).deleted,
      ).toBe(0n);
      const left = await client.listSegmentVersions({ collectionId: id });
      expect(left.versions.map((v) => v.version)).toEqual([4n, 3n]);

      // After the collection is deleted, the GC can still list and forget everything.
      await client.deleteCollection({ ...s, name: 'gc' });
      expect((await client.listSegmentVersions({ collectionId: id })).versions).toHaveLength(2);
      expect(
        (await client.deleteSegmentVersions({ collectionId: id, belowVersion: 100n })).deleted,
      ).toBe(2n);

      await expectCode(client.listSegmentVersions({ collectionId: randomUUID() }), Code.NOT_FOUND);
      await expectCode(
        client.deleteSegmentVersions({ collectionId: randomUUID(), belowVersion: 1n }),
        Code.NOT_FOUND,
      );
      await expectCode(client.listSegmentVersions({ collectionId: 'x' }), Code.INVALID_ARGUMENT);
    });
  });

  describe('membership', () => {
    it('registers members with the catalog clock and lists the fresh ones by id', async () => {
      const role = fresh('query');
      const before = Date.now();
      const { nowMs } = await client.heartbeat({
        member: { role, id: 'q-1', address: '10.0.0.1:7000', heartbeatAtMs: 1n },
      });
      expect(Number(nowMs)).toBeGreaterThanOrEqual(before - 5_000);
      expect(Number(nowMs)).toBeLessThanOrEqual(Date.now() + 5_000);
      await client.heartbeat({ member: { role, id: 'q-0', address: '10.0.0.0:7000' } });
      await client.heartbeat({ member: { role: fresh('other'), id: 'x', address: '' } });
      // Refresh moves the address along.
      await client.heartbeat({ member: { role, id: 'q-1', address: '10.0.0.9:7000' } });

      const { members } = await client.listMembers({ role, maxAgeMs: 60_000n });
      expect(members.map((m) => [m.id, m.role, m.address])).toEqual([
        ['q-0', role, '10.0.0.0:7000'],
        ['q-1', role, '10.0.0.9:7000'],
      ]);
      // The member's own claimed time is ignored.
      expect(members[1]!.heartbeatAtMs).toBeGreaterThan(1n);

      // Age one member by moving its heartbeat back on the database itself.
      await catalog.driver.query(
        `UPDATE members SET heartbeat_at = now() - interval '10 minutes' WHERE role = $1 AND id = 'q-0'`,
        [role],
      );
      const fresh60s = await client.listMembers({ role, maxAgeMs: 60_000n });
      expect(fresh60s.members.map((m) => m.id)).toEqual(['q-1']);
      const fresh1h = await client.listMembers({ role, maxAgeMs: 3_600_000n });
      expect(fresh1h.members.map((m) => m.id)).toEqual(['q-0', 'q-1']);
      const all = await client.listMembers({ role });
      expect(all.members.map((m) => m.id)).toEqual(['q-0', 'q-1']);
    });

    it('rejects a heartbeat without a member, role or id', async () => {
      await expectCode(client.heartbeat({}), Code.INVALID_ARGUMENT);
      await expectCode(client.heartbeat({ member: { role: '', id: 'a' } }), Code.INVALID_ARGUMENT);
      await expectCode(client.heartbeat({ member: { role: 'a', id: '' } }), Code.INVALID_ARGUMENT);
      await expectCode(client.listMembers({ role: '' }), Code.INVALID_ARGUMENT);
      await expectCode(client.listMembers({ role: 'q', maxAgeMs: -1n }), Code.INVALID_ARGUMENT);
    });
  });

  describe('reset', () => {
    it('is PERMISSION_DENIED unless the deployment enables it', async () => {
      await expectCode(client.reset({}), Code.PERMISSION_DENIED, 'Reset is disabled by config');
      expect((await client.getTenant({ name: 'default_tenant' })).tenant?.name).toBe(
        'default_tenant',
      );
    });
  });
});
