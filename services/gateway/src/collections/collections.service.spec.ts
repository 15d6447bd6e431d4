import { beforeEach, describe, expect, it } from 'vitest';
import {
  InternalError,
  InvalidArgumentError,
  GrpcCode,
  UnprocessableEntityError,
} from '@huedb/core';
import { fakeBackends, FakeBackendState, SPEC_CONTEXT } from '../backends/fake-backends.js';
import { loadGatewayConfig } from '../config.js';
import { CollectionsService } from './collections.service.js';

import { PRO_LIMITS } from '@huedb/core';
import { fixedPlans, TenantPlans } from '../plans/tenant-plans.js';

const ctx = SPEC_CONTEXT;

describe('CollectionsService', () => {
  let state: FakeBackendState;
  let service: CollectionsService;

  beforeEach(() => {
    state = new FakeBackendState();
    const backends = fakeBackends(state);
    service = new CollectionsService(
      backends,
      loadGatewayConfig({}),
      new TenantPlans(fixedPlans(PRO_LIMITS), backends),
    );
  });

  it('creates a collection, and get_or_create finds it instead of failing', async () => {
    const created = await service.createCollection(ctx, { name: 'col1', metadata: { a: 1 } });
    expect(created).toMatchObject({
      name: 'col1',
      tenant: 'default_tenant',
      database: 'default_database',
      metadata: { a: 1 },
    });
    await expect(service.createCollection(ctx, { name: 'col1' })).rejects.toMatchObject({
      code: GrpcCode.ALREADY_EXISTS,
    });
    const again = await service.createCollection(ctx, { name: 'col1', get_or_create: true });
    expect(again.id).toBe(created.id);
    expect(await service.countCollections(ctx)).toBe(1);
    expect((await service.getByName(ctx, 'col1')).id).toBe(created.id);
  });

  it("checks names and metadata with Chroma's rules before the catalog sees them", async () => {
    const cases: [unknown, new (m: string) => Error, string | RegExp][] = [
      [{ name: 'ab' }, InvalidArgumentError, /^Validation error: name: Expected a name containing/],
      [{ name: 'a..b' }, InvalidArgumentError, /two consecutive periods/],
      [{ name: '10.0.0.1' }, InvalidArgumentError, /not a valid ip address/],
      [{ name: 'abc', metadata: {} }, InvalidArgumentError, 'Metadata cannot be empty'],
      [
        { name: 'abc', metadata: { l: [1] } },
        InvalidArgumentError,
        /to be a str, int, float or bool/,
      ],
      [{ name: 5 }, UnprocessableEntityError, /Failed to deserialize the JSON body/],
    ];
    for (const [body, type, message] of cases) {
      const call = service.createCollection(ctx, body);
      await expect(call, JSON.stringify(body)).rejects.toThrow(message);
      await expect(service.createCollection(ctx, body)).rejects.toBeInstanceOf(type);
    }
    expect(state.collections.size).toBe(0);
  });

  it('addresses collections by UUID only, scoped to the context’s tenant and database', async () => {
    await expect(service.getById(ctx, 'not-a-uuid')).rejects.toThrow(
      'Collection ID is not a valid UUIDv4',
    );
    const id = state.addCollection('c');
    expect((await service.getById(ctx, id.toUpperCase())).id).toBe(id);
    // The catalog's NOT_FOUND (rebuilt as core's NotFoundError, 404, by the error filter).
    await expect(service.getById({ ...ctx, database: 'nope' }, id)).rejects.toMatchObject({
      code: GrpcCode.NOT_FOUND,
    });
  });

  it('serves cached rows to record operations until the row changes through this gateway', async () => {
    const id = state.addCollection('c');
    expect((await service.getRow('default_tenant', 'default_database', id, false)).dimension).toBe(
      undefined,
    );
    state.collections.set(id, { ...state.collections.get(id)!, dimension: 3 });
    // Cached: the change made elsewhere is not seen yet.
    expect((await service.getRow('default_tenant', 'default_database', id, false)).dimension).toBe(
      undefined,
    );
    service.forgetRow(id);
    expect((await service.getRow('default_tenant', 'default_database', id, false)).dimension).toBe(
      3,
    );
  });

  it("deleting a collection purges its log; tenant and database routes use the context's path", async () => {
    const id = state.addCollection('c');
    state.log.set(id, [[]]);
    await service.deleteByName(ctx, 'c');
    expect(state.collections.has(id)).toBe(false);
    expect(state.log.has(id)).toBe(false);
    await service.createDatabase({ ...ctx, database: null }, { name: 'db2' });
    expect(await service.getDatabase({ ...ctx, database: 'db2' })).toMatchObject({
      name: 'db2',
      tenant: 'default_tenant',
    });
    await expect(service.createDatabase(ctx, { name: 'x' })).rejects.toThrow(/name: Expected/);
    expect(await service.getTenant({ ...ctx, database: null })).toEqual({
      name: 'default_tenant',
      resource_name: null,
    });
  });

  it('lists only its own databases to a database-scoped key, paged after filtering', async () => {
    const tenantCtx = { ...ctx, database: null };
    for (const name of ['db1', 'db2', 'db3', 'db4']) {
      await service.createDatabase(tenantCtx, { name });
    }
    const names = (list: { name: string }[]) => list.map((d) => d.name);
    const scoped = {
      ...tenantCtx,
      principal: {
        kind: 'authenticated' as const,
        subject: 'key:x',
        userId: '',
        tenant: 'default_tenant',
        databases: ['db2', 'db4', 'gone'],
        role: 'read' as const,
      },
    };
    expect(names(await service.listDatabases(scoped))).toEqual(['db2', 'db4']);
    expect(names(await service.listDatabases(scoped, 1))).toEqual(['db2']);
    expect(names(await service.listDatabases(scoped, 5, 1))).toEqual(['db4']);
    expect(names(await service.listDatabases(tenantCtx))).toEqual(
      expect.arrayContaining(['db1', 'db2', 'db3', 'db4']),
    );
    expect(
      names(
        await service.listDatabases({
          ...scoped,
          principal: { ...scoped.principal, databases: [] },
        }),
      ),
    ).toContain('db1');
  });

  it('a route without the tenant or database it needs is a wiring bug (500), not a client error', async () => {
    await expect(service.getTenant({ ...ctx, tenant: null })).rejects.toBeInstanceOf(InternalError);
    await expect(service.countCollections({ ...ctx, database: null })).rejects.toBeInstanceOf(
      InternalError,
    );
  });
});
