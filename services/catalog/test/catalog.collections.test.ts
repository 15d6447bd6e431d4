import { randomUUID } from 'node:crypto';
import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode, fieldsOf, meta, metadataInit } from './support/rpc.js';

/** Collections over real gRPC: create, get, list, update, delete, dimensions, resource names. */
describe.each(DRIVER_KINDS)('catalog collections over gRPC on %s', (kind) => {
  const { client, fresh, scope } = useTestCatalog(kind, 'catalog_collections');

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
        metadata: metadataInit({ topic: meta.str('news'), n: meta.int(3n) }),
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
      expect(fieldsOf(c.metadata).topic?.kind).toEqual({ case: 'stringValue', value: 'news' });
      expect(fieldsOf(c.metadata).n?.kind).toEqual({ case: 'intValue', value: 3n });
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
        metadata: metadataInit(fields),
      });
      const { collection } = await client.getCollection({
        tenant,
        database,
        selector: { case: 'id', value: created.collection!.id },
      });
      const got = fieldsOf(collection!.metadata);
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
          metadata: metadataInit({ k: { kind: { case: 'deleted', value: true } } }),
        }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, metadata: metadataInit({ k: meta.ints([]) }) }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.createCollection({ ...base, metadata: metadataInit({ k: meta.float(Number.NaN) }) }),
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
        metadata: metadataInit({ v: meta.int(1n) }),
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
        metadata: metadataInit({ v: meta.int(2n) }),
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
      // uint32 like Chroma's: the largest page and offset are a valid, empty, request.
      const far = { ...s, limit: 4_294_967_295, offset: 4_294_967_295 };
      expect((await client.listCollections(far)).collections).toEqual([]);

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
        metadata: metadataInit({ a: meta.int(1n), b: meta.int(2n) }),
        configurationJson: '{"hnsw":{"ef_search":10}}',
      });
      const id = collection!.id;
      await client.createCollection({ ...s, name: 'taken' });

      const renamed = await client.updateCollection({ ...s, id, newName: 'new' });
      expect(renamed.collection).toMatchObject({ id, name: 'new' });
      // A rename alone keeps the metadata as it was.
      expect(fieldsOf(renamed.collection?.metadata).b?.kind).toEqual({
        case: 'intValue',
        value: 2n,
      });
      // The old name is free at once.
      await client.createCollection({ ...s, name: 'old' });

      const remeta = await client.updateCollection({
        ...s,
        id,
        newMetadata: metadataInit({ c: meta.float(3) }),
      });
      expect(Object.keys(fieldsOf(remeta.collection!.metadata))).toEqual(['c']);
      expect(fieldsOf(remeta.collection?.metadata).c?.kind).toEqual({
        case: 'floatValue',
        value: 3,
      });
      expect(remeta.collection?.name).toBe('new');
      expect(remeta.collection?.configurationJson).toBe('{"hnsw":{"ef_search":10}}');

      const reconf = await client.updateCollection({
        ...s,
        id,
        newConfigurationJson: '{"hnsw":{"ef_search":50}}',
      });
      expect(reconf.collection?.configurationJson).toBe('{"hnsw":{"ef_search":50}}');
      expect(Object.keys(fieldsOf(reconf.collection!.metadata))).toEqual(['c']);
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
});
