import { describe, expect, it } from 'vitest';
import { ADMIN_PRINCIPAL } from '../auth/api-key.authenticator.js';
import type { Principal, Role } from '../context/request-context.js';
import { withinReach } from './admin.service.js';

const key = (role: Role, databases: string[] = [], expiresAtMs?: number): Principal => ({
  kind: 'authenticated',
  subject: 'key:x',
  userId: '',
  tenant: 't1',
  databases,
  role,
  ...(expiresAtMs !== undefined && { expiresAtMs }),
});

describe('the reach of a key the admin API mints', () => {
  it('is anything for the bootstrap admin, nothing for anonymous', () => {
    expect(withinReach(ADMIN_PRINCIPAL, { databases: [], role: 'admin' })).toBe(true);
    expect(withinReach({ kind: 'anonymous' }, { databases: ['d1'], role: 'read' })).toBe(false);
  });

  it('is no more than the minting key: role, databases, lifetime', () => {
    const unscoped = key('admin');
    expect(withinReach(unscoped, { databases: [], role: 'admin' })).toBe(true);
    expect(withinReach(unscoped, { databases: ['d9'], role: 'read' })).toBe(true);
    expect(withinReach(key('read_write'), { databases: [], role: 'admin' })).toBe(false);

    const scoped = key('admin', ['d1', 'd2']);
    expect(withinReach(scoped, { databases: [], role: 'read' }), 'unscoped from scoped').toBe(
      false,
    );
    expect(withinReach(scoped, { databases: ['d1'], role: 'admin' })).toBe(true);
    expect(withinReach(scoped, { databases: ['d1', 'd2'], role: 'read' })).toBe(true);
    expect(withinReach(scoped, { databases: ['d1', 'd3'], role: 'read' })).toBe(false);

    const expiring = key('admin', [], 10_000);
    expect(withinReach(expiring, { databases: [], role: 'read' }), 'never expires').toBe(false);
    expect(withinReach(expiring, { databases: [], role: 'read', expiresAtMs: 10_001 })).toBe(false);
    expect(withinReach(expiring, { databases: [], role: 'read', expiresAtMs: 9_000 })).toBe(true);
  });
});
