import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_ID } from '../src/index.js';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

/** The catalog contract over real gRPC: tenants, databases, membership, reset. */
describe.each(DRIVER_KINDS)('catalog over gRPC on %s', (kind) => {
  const t = useTestCatalog(kind, 'catalog_grpc');
  const { client, fresh, scope } = t;

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
      // uint32 like Chroma's: the largest page and offset are a valid, empty, request.
      const far = { tenant, limit: 4_294_967_295, offset: 4_294_967_295 };
      expect((await client.listDatabases(far)).databases).toEqual([]);
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
      await t.catalog.driver.query(
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
