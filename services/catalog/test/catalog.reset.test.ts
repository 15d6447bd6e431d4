import { Code } from '@huedb/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_ID } from '../src/index.js';
import { startTestCatalog, type RunningCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

describe.each(DRIVER_KINDS)('Reset on a catalog that allows it, on %s', (kind) => {
  let catalog: RunningCatalog;

  beforeAll(async () => {
    catalog = await startTestCatalog(kind, 'catalog_reset', { allowReset: true });
  });

  afterAll(async () => {
    await catalog?.stop();
  });

  it('wipes tenants, databases, collections, versions and plans, reseeds the defaults, keeps members', async () => {
    const { client } = catalog;
    await client.createTenant({ name: 'acme' });
    await client.createDatabase({ tenant: 'acme', name: 'main' });
    const { collection } = await client.createCollection({
      tenant: 'default_tenant',
      database: 'default_database',
      name: 'docs',
    });
    await client.registerCompaction({
      collectionId: collection!.id,
      expectedVersion: 0n,
      logPosition: 1n,
      manifestKey: 'm',
      recordCount: 1n,
    });
    await client.heartbeat({ member: { role: 'query', id: 'q-0', address: 'a:1' } });
    await catalog.control.setTenantPlan({
      tenant: 'default_tenant',
      plan: 'free',
      limitOverridesJson: '{}',
    });

    await client.reset({});

    await expectCode(client.getTenant({ name: 'acme' }), Code.NOT_FOUND);
    const { database } = await client.getDatabase({
      tenant: 'default_tenant',
      name: 'default_database',
    });
    expect(database?.id).toBe(DEFAULT_DATABASE_ID);
    const scope = { tenant: 'default_tenant', database: 'default_database' };
    expect((await client.countCollections(scope)).count).toBe(0n);
    await expectCode(client.listSegmentVersions({ collectionId: collection!.id }), Code.NOT_FOUND);
    expect((await client.listMembers({ role: 'query' })).members.map((m) => m.id)).toEqual(['q-0']);
    // A tenant's plan is the tenant's: gone with it, even for the reseeded default tenant.
    expect((await catalog.control.getTenantPlan({ tenant: 'default_tenant' })).plan?.plan).toBe('');

    // Everything works as on a fresh catalog, twice in a row.
    await client.createTenant({ name: 'acme' });
    await client.createCollection({ ...scope, name: 'docs' });
    await client.reset({});
    await client.reset({});
    expect((await client.listDatabases({ tenant: 'default_tenant' })).databases).toHaveLength(1);
    expect(catalog.internalErrors).toEqual([]);
  });
});
