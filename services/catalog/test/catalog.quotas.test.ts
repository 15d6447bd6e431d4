import { codeName, Code, RpcError } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

/** The codes of refused calls (anything but an RpcError fails the test). */
function refusals<T>(results: PromiseSettledResult<T>[]): string[] {
  return results.flatMap((r) => {
    if (r.status === 'fulfilled') return [];
    if (r.reason instanceof RpcError) return [codeName(r.reason.code)];
    throw r.reason;
  });
}

/**
 * Counting limits the gateway passes with a create (max_collections, max_databases): checked and
 * inserted under the tenant's row lock, so racing creates never pass them together; and the
 * tenants' plans the control plane stores (docs/decisions/0029-plans-and-quotas.md).
 */
describe.each(DRIVER_KINDS)('catalog quotas on %s', (kind) => {
  const t = useTestCatalog(kind, 'catalog_quotas');
  const { client, control, scope } = t;

  it('creates collections up to max_collections, counting every database and fork', async () => {
    const s = await scope();
    const create = (name: string, extra = {}) =>
      client.createCollection({ ...s, name, maxCollections: 3n, ...extra });
    const { collection } = await create('a');
    await client.createDatabase({ tenant: s.tenant, name: 'other' });
    await client.createCollection({
      tenant: s.tenant,
      database: 'other',
      name: 'b',
      maxCollections: 3n,
    });
    await expectCode(
      client.forkCollection({
        ...s,
        sourceId: collection!.id,
        newName: 'fork',
        sourceLogEnd: 0n,
        maxCollections: 2n,
      }),
      Code.FAILED_PRECONDITION,
      "Quota exceeded: 'Number of collections' exceeded quota limit for action 'Fork Collection': current usage of 3 exceeds limit of 2",
    );
    await client.forkCollection({
      ...s,
      sourceId: collection!.id,
      newName: 'fork',
      sourceLogEnd: 0n,
      maxCollections: 3n,
    });
    await expectCode(
      create('c'),
      Code.FAILED_PRECONDITION,
      "Quota exceeded: 'Number of collections' exceeded quota limit for action 'Create Collection': current usage of 4 exceeds limit of 3",
    );
    // get_or_create of one that exists is never refused; a name taken is still 409.
    expect((await create('a', { getOrCreate: true })).created).toBe(false);
    await expectCode(create('a'), Code.ALREADY_EXISTS);
    // 0 = no limit.
    expect((await create('d', { maxCollections: 0n })).created).toBe(true);
    // A delete frees a place.
    await client.deleteCollection({ ...s, name: 'd' });
    await client.deleteCollection({ ...s, name: 'a' });
    expect((await create('e')).created).toBe(true);
  });

  it('lets exactly max_collections of 30 racing creates win', async () => {
    const s = await scope();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        client.createCollection({ ...s, name: `race-${i}`, maxCollections: 7n }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(new Set(refusals(results))).toEqual(new Set(['FAILED_PRECONDITION']));
    expect((await client.countCollections(s)).count).toBe(7n);
  });

  it('creates databases up to max_databases, racing included', async () => {
    const s = await scope();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        client.createDatabase({ tenant: s.tenant, name: `racing-${i}`, maxDatabases: 4n }),
      ),
    );
    // The scope's own database is one of the 4.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(new Set(refusals(results))).toEqual(new Set(['FAILED_PRECONDITION']));
    await expectCode(
      client.createDatabase({ tenant: s.tenant, name: 'more', maxDatabases: 4n }),
      Code.FAILED_PRECONDITION,
      "Quota exceeded: 'Number of databases' exceeded quota limit for action 'Create Database': current usage of 5 exceeds limit of 4",
    );
    await expectCode(
      client.createDatabase({ tenant: 'no-such-tenant', name: 'x', maxDatabases: 4n }),
      Code.NOT_FOUND,
    );
  });

  it('stores a tenant’s plan and overrides, checked, and forgets them with the tenant', async () => {
    const s = await scope();
    expect((await control.getTenantPlan({ tenant: s.tenant })).plan).toMatchObject({
      plan: '',
      limitOverridesJson: '{}',
      updatedAtMs: 0n,
    });
    const { plan } = await control.setTenantPlan({
      tenant: s.tenant,
      plan: 'free',
      limitOverridesJson: '{"max_batch_size": 10, "request_burst": null}',
    });
    expect(plan).toMatchObject({ tenant: s.tenant, plan: 'free' });
    expect(JSON.parse(plan!.limitOverridesJson)).toEqual({
      max_batch_size: 10,
      request_burst: null,
    });
    expect(plan!.updatedAtMs).toBeGreaterThan(0n);
    const replaced = await control.setTenantPlan({
      tenant: s.tenant,
      plan: 'pro',
      limitOverridesJson: '',
    });
    expect(replaced.plan).toMatchObject({ plan: 'pro', limitOverridesJson: '{}' });
    expect((await control.getTenantPlan({ tenant: s.tenant })).plan).toMatchObject({ plan: 'pro' });
    for (const [overrides, message] of [
      ['[1]', 'limit_overrides_json must be a JSON object'],
      ['{', 'limit_overrides_json is not valid JSON'],
      ['{"a": -1}', 'limit_overrides_json: a must be a whole number ≥ 0 or null'],
      ['{"a": 1.5}', 'limit_overrides_json: a must be a whole number ≥ 0 or null'],
      ['{"a": "1"}', 'limit_overrides_json: a must be a whole number ≥ 0 or null'],
    ] as const) {
      await expectCode(
        control.setTenantPlan({ tenant: s.tenant, plan: 'x', limitOverridesJson: overrides }),
        Code.INVALID_ARGUMENT,
        message,
      );
    }
    await expectCode(
      control.setTenantPlan({ tenant: s.tenant, plan: '', limitOverridesJson: '{}' }),
      Code.INVALID_ARGUMENT,
    );
    await expectCode(control.getTenantPlan({ tenant: 'no-such-tenant' }), Code.NOT_FOUND);
    await expectCode(
      control.setTenantPlan({ tenant: 'no-such-tenant', plan: 'free', limitOverridesJson: '{}' }),
      Code.NOT_FOUND,
    );
    expect((await control.getTenantPlan({ tenant: s.tenant })).plan).toMatchObject({ plan: 'pro' });
  });
});
