import { describe, expect, it } from 'vitest';
import type { Plans } from '../plans/tenant-plans.js';
import type { Backends } from '../backends/backends.js';
import type { GatewayConfig } from '../config.js';
import type { Principal, Role } from '../context/request-context.js';
import { GatewayModule } from '../gateway.module.js';
import { declaredRoutes } from '../openapi/openapi.document.js';
import {
  actionOf,
  authorize,
  isAdminAction,
  ROUTE_ACTIONS,
  type Action,
  type Resource,
} from './policy.js';
import { ADMIN_PRINCIPAL } from './api-key.authenticator.js';

const key = (role: Role, tenant = 't1', databases: string[] = []): Principal => ({
  kind: 'authenticated',
  subject: 'key:x',
  userId: '',
  tenant,
  databases,
  role,
});

const allowed = (principal: Principal, action: Action | undefined, resource: Resource) => {
  try {
    authorize(principal, action, resource);
    return true;
  } catch (err) {
    expect(err).toMatchObject({ kind: 'PermissionDenied', message: 'Permission denied.' });
    return false;
  }
};

const T1D1 = { tenant: 't1', database: 'd1' };

describe('the route policy', () => {
  it('names an action for every route the gateway declares, and only those', () => {
    const root = GatewayModule.forRoot({} as Backends, {} as GatewayConfig, {} as Plans);
    const routes = declaredRoutes(root).map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => ROUTE_ACTIONS[r] === undefined)).toEqual([]);
    expect(Object.keys(ROUTE_ACTIONS).filter((r) => !routes.includes(r))).toEqual([]);
    expect(
      actionOf('POST', '/api/v2/tenants/:tenant/databases/:database/collections/:id/add'),
    ).toBe('collection:add');
  });

  it('lets roles do what they are for, in their tenant', () => {
    const cases: [Action, Role][] = [
      ['collection:get', 'read'],
      ['collection:query', 'read'],
      ['db:list_collections', 'read'],
      ['collection:add', 'read_write'],
      ['db:create_collection', 'read_write'],
      ['collection:delete_collection', 'read_write'],
      ['db:create_database', 'admin'],
      ['db:delete_database', 'admin'],
    ];
    const roles: Role[] = ['read', 'read_write', 'admin'];
    for (const [action, least] of cases) {
      for (const role of roles) {
        const expected = roles.indexOf(role) >= roles.indexOf(least);
        expect(allowed(key(role), action, T1D1), `${role} ${action}`).toBe(expected);
      }
    }
  });

  it('refuses another tenant, other databases, and global actions to tenant keys', () => {
    expect(allowed(key('admin'), 'collection:get', { tenant: 't2', database: 'd1' })).toBe(false);
    expect(allowed(key('admin', 't1', ['d1']), 'collection:add', T1D1)).toBe(true);
    expect(allowed(key('admin', 't1', ['d1']), 'collection:add', { ...T1D1, database: 'd2' })).toBe(
      false,
    );
    // A database-scoped key does not make databases.
    expect(
      allowed(key('admin', 't1', ['d1']), 'db:create_database', { tenant: 't1', database: null }),
    ).toBe(false);
    for (const action of ['tenant:create_tenant', 'system:reset', undefined] as const) {
      expect(allowed(key('admin'), action, { tenant: null, database: null })).toBe(false);
      expect(allowed(ADMIN_PRINCIPAL, action, { tenant: null, database: null })).toBe(true);
    }
    expect(allowed(ADMIN_PRINCIPAL, 'collection:add', { tenant: 't9', database: 'x' })).toBe(true);
  });

  it('keeps users and tenants of the admin API to the bootstrap admin', () => {
    for (const action of ['admin:create_user', 'admin:get_user', 'admin:create_tenant'] as const) {
      expect(allowed(key('admin'), action, { tenant: null, database: null }), action).toBe(false);
      expect(allowed(ADMIN_PRINCIPAL, action, { tenant: null, database: null }), action).toBe(true);
    }
  });

  it("lets a tenant's admin key manage its own tenant's members, keys and audit log only", () => {
    const tenantActions: Action[] = [
      'admin:add_member',
      'admin:list_members',
      'admin:create_key',
      'admin:list_keys',
      'admin:revoke_key',
      'admin:read_audit',
    ];
    const t1 = { tenant: 't1', database: null };
    for (const action of tenantActions) {
      expect(allowed(key('admin'), action, t1), action).toBe(true);
      expect(allowed(key('admin'), action, { tenant: 't2', database: null }), action).toBe(false);
      expect(allowed(key('read_write'), action, t1), action).toBe(false);
      expect(allowed(key('read'), action, t1), action).toBe(false);
      expect(allowed(ADMIN_PRINCIPAL, action, t1), action).toBe(true);
    }
    // Database-scoped: keys (within its reach, checked by the admin service), not the
    // tenant-wide membership and audit log.
    const scoped = key('admin', 't1', ['d1']);
    expect(allowed(scoped, 'admin:create_key', t1)).toBe(true);
    expect(allowed(scoped, 'admin:list_keys', t1)).toBe(true);
    expect(allowed(scoped, 'admin:revoke_key', t1)).toBe(true);
    expect(allowed(scoped, 'admin:add_member', t1)).toBe(false);
    expect(allowed(scoped, 'admin:list_members', t1)).toBe(false);
    expect(allowed(scoped, 'admin:read_audit', t1)).toBe(false);
  });

  it('refuses the admin API to everyone with authentication off, and says why', () => {
    for (const action of Object.values(ROUTE_ACTIONS).filter(isAdminAction)) {
      expect(() => authorize({ kind: 'anonymous' }, action, T1D1), action).toThrow(
        'Permission denied: the admin API needs authentication on (HUEDB_AUTH=true)',
      );
    }
    expect(Object.values(ROUTE_ACTIONS).filter(isAdminAction)).toHaveLength(12);
  });

  it('leaves open routes and identity to everyone, and everything to anonymous (auth off)', () => {
    expect(allowed(key('read', 'other'), 'open', T1D1)).toBe(true);
    expect(allowed(key('read', 'other'), 'identity', T1D1)).toBe(true);
    expect(allowed({ kind: 'anonymous' }, 'system:reset', T1D1)).toBe(true);
  });
});
