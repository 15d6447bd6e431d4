import { Code } from '@huedb/grpc';
import { KeyRole } from '@huedb/proto/control';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

const KEY = /^hdb_([a-z2-7]{16})_([0-9A-Za-z]{43})$/;

/** Polls `check` until it holds or `ms` pass (no fixed sleeps). */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** API keys over real gRPC: format, hashing, resolution, revocation, expiry, change polling. */
describe.each(DRIVER_KINDS)('control plane API keys on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_keys');
  const { control, scope } = t;

  it('hands out hdb_<id>_<secret> once and stores only the secret’s SHA-256', async () => {
    const { tenant } = await scope();
    const created = await control.createApiKey({ tenant, role: KeyRole.READ_WRITE, name: 'ci' });
    const match = KEY.exec(created.secret);
    expect(match, created.secret).not.toBeNull();
    expect(created.key).toMatchObject({
      id: match![1],
      display: `hdb_${match![1]}_…`,
      tenant,
      databases: [],
      role: KeyRole.READ_WRITE,
      name: 'ci',
    });
    const rows = await t.catalog.driver.query<Record<string, unknown>>(
      `SELECT * FROM api_keys WHERE id = $1`,
      [match![1]!],
    );
    expect(rows).toHaveLength(1);
    const { createHash } = await import('node:crypto');
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(match![2]!).digest('hex'));
    // The secret appears in no column.
    expect(JSON.stringify(rows[0])).not.toContain(match![2]);
    // Two keys never share a secret or an id.
    const other = await control.createApiKey({ tenant, role: KeyRole.READ });
    expect(other.secret).not.toBe(created.secret);
    expect(other.key?.id).not.toBe(created.key?.id);
  });

  it('resolves a key to its principal; a wrong secret with the right id is refused', async () => {
    const { tenant, database } = await scope();
    const { secret, key } = await control.createApiKey({
      tenant,
      databases: [database, database],
      role: KeyRole.READ,
    });
    const principal = await control.resolveApiKey({ credential: secret });
    expect(principal).toMatchObject({
      keyId: key!.id,
      tenant,
      databases: [database],
      role: KeyRole.READ,
    });
    expect(principal.expiresAtMs).toBeUndefined();
    expect(principal.keysVersion).toBeGreaterThan(0n);

    const [, id, body] = KEY.exec(secret)!;
    const flipped = body!.slice(0, -1) + (body!.endsWith('A') ? 'B' : 'A');
    for (const credential of [
      `hdb_${id}_${flipped}`, // right id, wrong secret
      `hdb_${'a'.repeat(16)}_${body}`, // unknown id, a real secret
      secret.slice(0, -1), // malformed: short
      `${secret}x`, // malformed: long
      secret.toUpperCase(),
      '',
      `Bearer ${secret}`,
    ]) {
      await expectCode(
        control.resolveApiKey({ credential }),
        Code.UNAUTHENTICATED,
        'Invalid API key',
      );
    }
  });

  it('a revoked key stops resolving, and the revocation bumps the version gateways poll', async () => {
    const { tenant } = await scope();
    const { secret, key } = await control.createApiKey({ tenant, role: KeyRole.ADMIN });
    const before = (await control.keysVersion({})).version;
    await control.resolveApiKey({ credential: secret });

    const { key: revoked } = await control.revokeApiKey({ keyId: key!.id, tenant });
    expect(revoked?.revokedAtMs).toBeGreaterThan(0n);
    await expectCode(control.resolveApiKey({ credential: secret }), Code.UNAUTHENTICATED);

    const after = (await control.keysVersion({})).version;
    expect(after).toBe(before + 1n);
    const changes = await control.listKeyChanges({ sinceVersion: before });
    expect(changes).toMatchObject({ version: after, keyIds: [key!.id], flush: false });
    expect((await control.listKeyChanges({ sinceVersion: after })).keyIds).toEqual([]);

    // Revoking again changes nothing (no new version, same revocation time).
    const again = await control.revokeApiKey({ keyId: key!.id });
    expect(again.key?.revokedAtMs).toBe(revoked?.revokedAtMs);
    expect((await control.keysVersion({})).version).toBe(after);
  });

  it("does not revoke another tenant's key by naming the wrong tenant", async () => {
    const a = await scope();
    const b = await scope();
    const { secret, key } = await control.createApiKey({ tenant: a.tenant, role: KeyRole.READ });
    await expectCode(
      control.revokeApiKey({ keyId: key!.id, tenant: b.tenant }),
      Code.NOT_FOUND,
      `API key [${key!.id}] not found`,
    );
    await control.resolveApiKey({ credential: secret });
    await expectCode(control.revokeApiKey({ keyId: 'nope' }), Code.NOT_FOUND);
  });

  it('an expired key does not resolve', async () => {
    const { tenant } = await scope();
    const expiresAtMs = BigInt(Date.now() + 400);
    const { secret } = await control.createApiKey({ tenant, role: KeyRole.READ, expiresAtMs });
    // Resolves while the expiry is ahead (the database's clock may lag a little; poll).
    const principal = await control.resolveApiKey({ credential: secret });
    expect(principal.expiresAtMs).toBe(expiresAtMs);
    await eventually(() =>
      control.resolveApiKey({ credential: secret }).then(
        () => false,
        () => true,
      ),
    );
    await expectCode(control.resolveApiKey({ credential: secret }), Code.UNAUTHENTICATED);
    await expectCode(
      control.createApiKey({ tenant, role: KeyRole.READ, expiresAtMs: BigInt(Date.now() - 1) }),
      Code.INVALID_ARGUMENT,
    );
  });

  it('validates creation: tenant, role, creator', async () => {
    const { tenant } = await scope();
    await expectCode(
      control.createApiKey({ tenant: 'no-such-tenant', role: KeyRole.READ }),
      Code.NOT_FOUND,
      'Tenant [no-such-tenant] not found',
    );
    await expectCode(control.createApiKey({ tenant }), Code.INVALID_ARGUMENT, 'role must be set');
    await expectCode(
      control.createApiKey({ tenant, role: KeyRole.READ, databases: [''] }),
      Code.INVALID_ARGUMENT,
    );
    await expectCode(
      control.createApiKey({
        tenant,
        role: KeyRole.READ,
        createdBy: '00000000-0000-4000-8000-000000000000',
      }),
      Code.NOT_FOUND,
    );
  });

  it('lists a tenant’s keys without secrets; revoked ones on request', async () => {
    const { tenant } = await scope();
    const a = await control.createApiKey({ tenant, role: KeyRole.READ, name: 'a' });
    const b = await control.createApiKey({ tenant, role: KeyRole.ADMIN, name: 'b' });
    await control.revokeApiKey({ keyId: a.key!.id });
    const live = await control.listApiKeys({ tenant });
    expect(live.keys.map((k) => k.name)).toEqual(['b']);
    const all = await control.listApiKeys({ tenant, includeRevoked: true });
    expect(all.keys.map((k) => k.id)).toEqual([a.key!.id, b.key!.id]);
    expect(
      JSON.stringify(all.keys, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)),
    ).not.toContain(KEY.exec(b.secret)![2]);
  });

  it('touches last_used_at at most once a minute per key', async () => {
    const { tenant } = await scope();
    const { key } = await control.createApiKey({ tenant, role: KeyRole.READ });
    expect(key?.lastUsedAtMs).toBeUndefined();
    expect(
      (await control.touchApiKeys({ keyIds: [key!.id, key!.id, 'not a key id'] })).updated,
    ).toBe(1);
    const [listed] = (await control.listApiKeys({ tenant })).keys;
    expect(listed?.lastUsedAtMs).toBeGreaterThan(0n);
    expect((await control.touchApiKeys({ keyIds: [key!.id] })).updated).toBe(0);
    expect((await control.touchApiKeys({ keyIds: [] })).updated).toBe(0);
  });

  it('tells a caller ahead of the database to flush', async () => {
    const { version } = await control.keysVersion({});
    expect(await control.listKeyChanges({ sinceVersion: version + 100n })).toMatchObject({
      version,
      keyIds: [],
      flush: true,
    });
  });
});

describe.each(DRIVER_KINDS)('control plane API keys across Reset on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_keys_reset', { allowReset: true });
  const { client, control, scope } = t;

  it("Reset deletes tenants' keys and makes gateways flush their caches", async () => {
    const { tenant } = await scope();
    const { secret } = await control.createApiKey({ tenant, role: KeyRole.READ });
    const user = await control.createUser({ email: 'reset@example.com', password: 'long enough' });
    await control.addMembership({ userId: user.user!.id, tenant, role: 1 });
    const { version } = await control.keysVersion({});
    await client.reset({});
    await expectCode(control.resolveApiKey({ credential: secret }), Code.UNAUTHENTICATED);
    expect(await control.listKeyChanges({ sinceVersion: version })).toMatchObject({ flush: true });
    // Users outlive Reset; their memberships went with the tenants.
    expect((await control.getUser({ id: user.user!.id })).user?.email).toBe('reset@example.com');
    expect((await control.listMemberships({ userId: user.user!.id })).memberships).toEqual([]);
  });
});
