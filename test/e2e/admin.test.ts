import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChromaClient } from 'chromadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailTokenPurpose } from '@huedb/proto/control';
import { createLogger } from '@huedb/service';
import { startSingleNode, type SingleNode } from '@huedb/single-node';
import { AUTH_ERRORS } from './support.js';

/*
 * The operator admin API (docs/decisions/0025-admin-api.md) on single nodes of its own, one with
 * HUEDB_AUTH on and one with it off: every route against every kind of credential answers the
 * exact status and body, and a refusal changes nothing; what the bootstrap admin and a tenant's
 * admin keys may do; a key it mints works with the official JS client and stops working within
 * 5 s of its revocation; the audit log records each change. Also the two hardenings that came
 * with it: a database-scoped key lists only its databases, and a verification that failed
 * halfway through provisioning is finished by a retry.
 */

const ADMIN = 'e2e-admin-api-token-0123456789abcdef012345';
const PASSWORD = 'correct horse battery staple';
const { missing: UNAUTHORIZED_MISSING, invalid: UNAUTHORIZED, denied: DENIED } = AUTH_ERRORS;
const AUTH_OFF = {
  error: 'ChromaError',
  message: 'Permission denied: the admin API needs authentication on (HUEDB_AUTH=true)',
};
const BAD_KEY = `hdb_${'a'.repeat(16)}_${'B'.repeat(43)}`;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}
type Headers = Record<string, string>;

let node: SingleNode;
let offNode: SingleNode;
const dirs: string[] = [];
/** Secrets and ids of the keys the suite mints through the admin API itself. */
const keys: Record<string, { secret: string; id: string }> = {};
const user = { id: '', email: `${uniqueLocal('member')}@example.test` };

function uniqueLocal(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function call(
  target: SingleNode,
  method: string,
  p: string,
  body?: unknown,
  headers: Headers = {},
): Promise<Answer> {
  const response = await fetch(`${target.url}${p}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    text,
  };
}
const asAdmin: Headers = { 'x-chroma-token': ADMIN };
const withKey = (name: string): Headers => ({ 'x-chroma-token': keys[name]!.secret });
const admin = (method: string, p: string, body?: unknown) => call(node, method, p, body, asAdmin);

async function mint(name: string, tenant: string, body: Record<string, unknown>): Promise<void> {
  const answer = await admin('POST', `/api/v2/admin/tenants/${tenant}/keys`, { name, ...body });
  expect(answer.status, answer.text).toBe(201);
  const key = answer.body.key as { id: string };
  keys[name] = { secret: answer.body.secret as string, id: key.id };
}

async function startNode(auth: boolean, env: Record<string, string> = {}): Promise<SingleNode> {
  const dir = mkdtempSync(path.join(tmpdir(), 'huedb-admin-'));
  dirs.push(dir);
  return startSingleNode({
    path: dir,
    host: '127.0.0.1',
    port: 0,
    auth,
    adminToken: ADMIN,
    env,
    logger: createLogger({ service: 'single-node', level: 'warn', pretty: false }),
  });
}

const ACME = '/api/v2/admin/tenants/acme';

/** Every admin route once, with a body that would succeed for the bootstrap admin. */
function routes(): { method: string; path: string; body?: unknown; tenantRoute: boolean }[] {
  return [
    {
      method: 'POST',
      path: '/api/v2/admin/users',
      body: { email: 'matrix@example.test', password: PASSWORD },
      tenantRoute: false,
    },
    { method: 'GET', path: `/api/v2/admin/users?email=${user.email}`, tenantRoute: false },
    { method: 'POST', path: '/api/v2/admin/tenants', body: { name: 'matrix' }, tenantRoute: false },
    {
      method: 'POST',
      path: `${ACME}/members`,
      body: { email: user.email, role: 'member' },
      tenantRoute: true,
    },
    { method: 'GET', path: `${ACME}/members`, tenantRoute: true },
    { method: 'POST', path: `${ACME}/keys`, body: { name: 'matrix' }, tenantRoute: true },
    { method: 'GET', path: `${ACME}/keys`, tenantRoute: true },
    { method: 'DELETE', path: `${ACME}/keys/${keys.victim!.id}`, tenantRoute: true },
    { method: 'GET', path: `${ACME}/audit`, tenantRoute: true },
  ];
}

/** What a refused admin request must leave as it was. */
async function snapshot(): Promise<unknown> {
  const read = async (p: string) => {
    const answer = await admin('GET', p);
    return { status: answer.status, body: answer.body };
  };
  return {
    members: await read(`${ACME}/members`),
    keys: await read(`${ACME}/keys`),
    audit: await read(`${ACME}/audit?limit=1000`),
    matrixUser: await read('/api/v2/admin/users?email=matrix@example.test'),
    matrixTenant: await read('/api/v2/tenants/matrix'),
  };
}

describe('the operator admin API', () => {
  beforeAll(async () => {
    // The auth-off node also provisions at signup (no verification), for the resumed signup.
    [node, offNode] = await Promise.all([
      startNode(true),
      startNode(false, { HUEDB_EMAIL_VERIFICATION: 'false' }),
    ]);
    // Bootstrapped with the admin API alone: tenants, a user, keys.
    for (const name of ['acme', 'other']) {
      const made = await admin('POST', '/api/v2/admin/tenants', { name });
      expect(made.status, made.text).toBe(201);
    }
    expect((await admin('POST', '/api/v2/tenants/acme/databases', { name: 'second' })).status).toBe(
      200,
    );
    const made = await admin('POST', '/api/v2/admin/users', {
      email: user.email,
      password: PASSWORD,
    });
    user.id = made.body.id as string;
    await mint('tenantAdmin', 'acme', { role: 'admin' });
    await mint('scopedAdmin', 'acme', { role: 'admin', databases: ['default_database'] });
    await mint('rw', 'acme', { role: 'read_write' });
    await mint('victim', 'acme', { role: 'read' });
    await mint('otherAdmin', 'other', { role: 'admin' });
  });

  afterAll(async () => {
    await Promise.all([node?.close(), offNode?.close()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every route to every credential that does not reach it, exactly, changing nothing', async () => {
    const before = await snapshot();
    const cases: [string, Headers, (tenantRoute: boolean) => [number, unknown] | undefined][] = [
      ['no credential', {}, () => [401, UNAUTHORIZED_MISSING]],
      ['a bad credential', { 'x-chroma-token': BAD_KEY }, () => [401, UNAUTHORIZED]],
      ['a malformed header', { authorization: 'Basic dTpw' }, () => [401, UNAUTHORIZED]],
      ['a read_write key', withKey('rw'), () => [403, DENIED]],
      ["another tenant's admin key", withKey('otherAdmin'), () => [403, DENIED]],
      ["this tenant's admin key", withKey('tenantAdmin'), (t) => (t ? undefined : [403, DENIED])],
    ];
    let checked = 0;
    for (const [label, headers, expected] of cases) {
      for (const route of routes()) {
        const want = expected(route.tenantRoute);
        if (!want) continue;
        const answer = await call(node, route.method, route.path, route.body, headers);
        expect([answer.status, answer.body], `${label}: ${route.method} ${route.path}`).toEqual(
          want,
        );
        checked++;
      }
    }
    expect(checked).toBe(9 * 5 + 3);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses the whole admin API with HUEDB_AUTH off, even to the admin token', async () => {
    for (const headers of [{}, asAdmin]) {
      for (const route of routes()) {
        const answer = await call(offNode, route.method, route.path, route.body, headers);
        expect([answer.status, answer.body], `${route.method} ${route.path}`).toEqual([
          403,
          AUTH_OFF,
        ]);
      }
    }
    // Nothing was made: no user, no tenant (the data API is open with auth off).
    expect((await call(offNode, 'GET', '/api/v2/tenants/matrix')).status).toBe(404);
    await expect(offNode.control.getUser({ email: 'matrix@example.test' })).rejects.toThrow(
      /not found/,
    );
  });

  it('creates and finds users (bootstrap admin only)', async () => {
    const email = `${uniqueLocal('Made')}@Example.test`;
    const made = await admin('POST', '/api/v2/admin/users', { email, password: PASSWORD });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ id: expect.any(String) as unknown, email, verified: true });
    const found = await admin(
      'GET',
      `/api/v2/admin/users?email=${encodeURIComponent(email.toUpperCase())}`,
    );
    expect([found.status, found.body]).toEqual([200, made.body]);
    expect(await admin('POST', '/api/v2/admin/users', { email: email.toLowerCase() })).toEqual({
      status: 409,
      body: {
        error: 'ChromaError',
        message: `A user with email [${email.toLowerCase()}] already exists`,
      },
      text: expect.any(String) as unknown,
    });
    const unverified = await admin('POST', '/api/v2/admin/users', {
      email: `${uniqueLocal('later')}@example.test`,
      email_verified: false,
    });
    expect([unverified.status, unverified.body.verified]).toEqual([201, false]);
    expect((await admin('GET', '/api/v2/admin/users?email=nobody@example.test')).body).toEqual({
      error: 'NotFoundError',
      message: 'No user has the email [nobody@example.test]',
    });
    expect((await admin('GET', '/api/v2/admin/users')).body).toEqual({
      error: 'InvalidArgumentError',
      message: 'Give one email query parameter',
    });
    expect((await admin('GET', `/api/v2/admin/users?email=${email}&email=x@y.z`)).status).toBe(400);
    expect((await admin('POST', '/api/v2/admin/users', { email, extra: 1 })).status).toBe(422);
    // The user can log in with the password the operator gave.
    const login = await call(node, 'POST', '/api/v2/accounts/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
  });

  it('creates a tenant with its default_database and owner; 404 and 409 change nothing', async () => {
    const made = await admin('POST', '/api/v2/admin/tenants', {
      name: 'owned',
      owner_email: user.email,
    });
    expect([made.status, made.body]).toEqual([
      201,
      { name: 'owned', database: 'default_database' },
    ]);
    expect((await admin('GET', '/api/v2/tenants/owned/databases/default_database')).status).toBe(
      200,
    );
    const members = await admin('GET', '/api/v2/admin/tenants/owned/members');
    expect(members.body).toEqual({
      members: [
        {
          user_id: user.id,
          email: user.email,
          tenant: 'owned',
          role: 'owner',
          created_at_ms: expect.any(Number) as unknown,
        },
      ],
    });
    expect((await admin('POST', '/api/v2/admin/tenants', { name: 'owned' })).status).toBe(409);
    const orphan = await admin('POST', '/api/v2/admin/tenants', {
      name: 'orphan',
      owner_email: 'nobody@example.test',
    });
    expect(orphan.status).toBe(404);
    expect((await admin('GET', '/api/v2/tenants/orphan')).status).toBe(404);
  });

  it("lets a tenant's admin key manage members, but only the operator makes owners", async () => {
    const email = `${uniqueLocal('joiner')}@example.test`;
    const joiner = await admin('POST', '/api/v2/admin/users', { email, password: PASSWORD });
    const added = await call(
      node,
      'POST',
      `${ACME}/members`,
      { email, role: 'member' },
      withKey('tenantAdmin'),
    );
    expect([added.status, added.body]).toEqual([
      201,
      {
        user_id: joiner.body.id,
        email,
        tenant: 'acme',
        role: 'member',
        created_at_ms: expect.any(Number) as unknown,
      },
    ]);
    const again = await call(
      node,
      'POST',
      `${ACME}/members`,
      { email, role: 'admin' },
      withKey('tenantAdmin'),
    );
    expect(again.status).toBe(409);
    const owner = { email: user.email, role: 'owner' };
    expect(
      (await call(node, 'POST', `${ACME}/members`, owner, withKey('tenantAdmin'))).body,
    ).toEqual(DENIED);
    expect((await admin('POST', `${ACME}/members`, owner)).status).toBe(201);
    const listed = await call(node, 'GET', `${ACME}/members`, undefined, withKey('tenantAdmin'));
    expect(
      (listed.body.members as { email: string; role: string }[]).map((m) => [m.email, m.role]),
    ).toEqual(
      expect.arrayContaining([
        [email, 'member'],
        [user.email, 'owner'],
      ]),
    );
    const unknown = { email: 'nobody@example.test', role: 'member' };
    expect((await admin('POST', `${ACME}/members`, unknown)).status).toBe(404);
    expect((await admin('GET', '/api/v2/admin/tenants/missing/members')).status).toBe(404);
    // Membership and the audit log are tenant-wide: not for a database-scoped key.
    for (const [method, p] of [
      ['GET', `${ACME}/members`],
      ['GET', `${ACME}/audit`],
    ] as const) {
      expect((await call(node, method, p, undefined, withKey('scopedAdmin'))).body).toEqual(DENIED);
    }
  });

  it('mints keys no wider than the minting key, lists them without secrets, 404s elsewhere', async () => {
    const scoped = withKey('scopedAdmin');
    const post = (body: unknown, headers: Headers) =>
      call(node, 'POST', `${ACME}/keys`, body, headers);
    // A database-scoped admin key: within its databases only.
    expect((await post({ name: 'wide' }, scoped)).body).toEqual(DENIED);
    expect((await post({ databases: ['second'] }, scoped)).body).toEqual(DENIED);
    expect((await post({ databases: ['default_database', 'second'] }, scoped)).body).toEqual(
      DENIED,
    );
    const narrow = await post(
      { name: 'narrow', role: 'read', databases: ['default_database'] },
      scoped,
    );
    expect(narrow.status, narrow.text).toBe(201);
    expect(narrow.body).toEqual({
      key: {
        id: expect.stringMatching(/^[a-z2-7]{16}$/) as unknown,
        display: expect.stringMatching(/^hdb_[a-z2-7]{16}_…$/) as unknown,
        tenant: 'acme',
        databases: ['default_database'],
        role: 'read',
        name: 'narrow',
        created_by: null,
        created_at_ms: expect.any(Number) as unknown,
        expires_at_ms: null,
        revoked_at_ms: null,
        last_used_at_ms: null,
      },
      secret: expect.stringMatching(/^hdb_[a-z2-7]{16}_[0-9A-Za-z]{43}$/) as unknown,
    });
    const narrowId = (narrow.body.key as { id: string }).id;
    // It sees and revokes only keys within its reach.
    const seen = await call(node, 'GET', `${ACME}/keys`, undefined, scoped);
    const seenIds = (seen.body.keys as { id: string; databases: string[] }[]).map((k) => k.id);
    expect(seenIds).toContain(narrowId);
    expect(seenIds).toContain(keys.scopedAdmin!.id);
    expect(seenIds).not.toContain(keys.tenantAdmin!.id);
    const hidden = await call(node, 'DELETE', `${ACME}/keys/${keys.rw!.id}`, undefined, scoped);
    expect([hidden.status, hidden.body]).toEqual([
      404,
      { error: 'NotFoundError', message: `API key [${keys.rw!.id}] not found` },
    ]);

    // The tenant's unscoped admin key: anything in its tenant.
    const wide = await post({ name: 'from-admin-key', role: 'admin' }, withKey('tenantAdmin'));
    expect(wide.status).toBe(201);
    const all = await call(node, 'GET', `${ACME}/keys`, undefined, withKey('tenantAdmin'));
    expect(all.status).toBe(200);
    for (const { secret } of Object.values(keys)) expect(all.text).not.toContain(secret);
    expect(all.text).not.toContain(wide.body.secret as string);
    expect((all.body.keys as { id: string }[]).map((k) => k.id)).toEqual(
      expect.arrayContaining([keys.tenantAdmin!.id, keys.rw!.id, narrowId]),
    );

    // Unknown tenant, another tenant's key, unknown key: 404.
    expect((await admin('POST', '/api/v2/admin/tenants/missing/keys', {})).status).toBe(404);
    expect((await admin('GET', '/api/v2/admin/tenants/missing/keys')).status).toBe(404);
    const foreign = await admin('DELETE', `${ACME}/keys/${keys.otherAdmin!.id}`);
    expect([foreign.status, foreign.body]).toEqual([
      404,
      { error: 'NotFoundError', message: `API key [${keys.otherAdmin!.id}] not found` },
    ]);
    expect((await admin('DELETE', `${ACME}/keys/nosuchkey`)).status).toBe(404);
    expect(
      (await call(node, 'GET', '/api/v2/tenants/other', undefined, withKey('otherAdmin'))).status,
    ).toBe(200);
  });

  it('a minted key works with the JS client, and its revocation bites within 5 s', async () => {
    await mint('client', 'acme', { role: 'read_write', databases: ['default_database'] });
    const url = new URL(node.url);
    const client = new ChromaClient({
      host: url.hostname,
      port: Number(url.port),
      ssl: false,
      tenant: 'acme',
      database: 'default_database',
      headers: { 'x-chroma-token': keys.client!.secret },
    });
    const collection = await client.createCollection({ name: 'minted', embeddingFunction: null });
    await collection.add({
      ids: ['a', 'b'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
      documents: ['one', 'two'],
    });
    const got = await collection.get({ ids: ['b'] });
    expect(got.documents).toEqual(['two']);
    expect(await collection.count()).toBe(2);

    const revoked = await call(
      node,
      'DELETE',
      `${ACME}/keys/${keys.client!.id}`,
      undefined,
      withKey('tenantAdmin'),
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.key).toMatchObject({
      id: keys.client!.id,
      revoked_at_ms: expect.any(Number) as unknown,
    });
    const start = Date.now();
    const probe = `/api/v2/tenants/acme/databases/default_database/collections/${collection.id}/count`;
    for (;;) {
      const answer = await call(node, 'GET', probe, undefined, withKey('client'));
      if (answer.status === 401) {
        expect(answer.body).toEqual(UNAUTHORIZED);
        break;
      }
      expect(answer.status).toBe(200);
      expect(Date.now() - start, 'revocation within 5 s').toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect(collection.count()).rejects.toThrow();
    // Revoking again answers the revoked key.
    const again = await admin('DELETE', `${ACME}/keys/${keys.client!.id}`);
    expect(again.body.key).toMatchObject({
      revoked_at_ms: (revoked.body.key as { revoked_at_ms: number }).revoked_at_ms,
    });
  });

  it('records every change in the audit log, newest first, with its actor', async () => {
    await mint('audited', 'acme', { role: 'read' });
    const keyMade = await call(
      node,
      'POST',
      `${ACME}/keys`,
      { name: 'by-key', role: 'read' },
      withKey('tenantAdmin'),
    );
    const byKeyId = (keyMade.body.key as { id: string }).id;
    await admin('DELETE', `${ACME}/keys/${keys.audited!.id}`);
    const log = await call(node, 'GET', `${ACME}/audit`, undefined, withKey('tenantAdmin'));
    expect(log.status).toBe(200);
    const entries = log.body.entries as {
      seq: number;
      at_ms: number;
      actor: string;
      action: string;
      target_id: string;
      tenant: string;
      request_id: string | null;
      details: Record<string, string>;
    }[];
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => b - a));
    expect(entries[0]).toMatchObject({
      actor: 'admin',
      action: 'api_key.revoke',
      target_id: keys.audited!.id,
      tenant: 'acme',
    });
    expect(entries[1]).toMatchObject({
      actor: `key:${keys.tenantAdmin!.id}`,
      action: 'api_key.create',
      target_id: byKeyId,
      details: { role: 'read', databases: '' },
    });
    expect(entries[0]!.request_id).toEqual(expect.any(String) as unknown);
    const actions = new Set(entries.map((e) => `${e.actor} ${e.action}`));
    expect(actions).toContain('admin tenant.create');
    expect(actions).toContain(`key:${keys.tenantAdmin!.id} membership.add`);
    expect(actions).toContain(`key:${keys.scopedAdmin!.id} api_key.create`);
    // Paging: limit, then before_ms.
    const one = await admin('GET', `${ACME}/audit?limit=1`);
    expect((one.body.entries as unknown[]).length).toBe(1);
    const oldest = entries[entries.length - 1]!;
    const earlier = await admin('GET', `${ACME}/audit?before_ms=${oldest.at_ms}`);
    expect(earlier.body.entries).toEqual([]);
    const page = await admin('GET', `${ACME}/audit?before_ms=${entries[0]!.at_ms + 1}&limit=2`);
    expect((page.body.entries as { seq: number }[]).map((e) => e.seq)).toEqual(
      entries.slice(0, 2).map((e) => e.seq),
    );
    for (const q of ['limit=0', 'limit=1001', 'limit=x', 'before_ms=-1']) {
      expect((await admin('GET', `${ACME}/audit?${q}`)).status, q).toBe(400);
    }
    expect((await admin('GET', '/api/v2/admin/tenants/missing/audit')).status).toBe(404);
    // Other tenants' entries stay out.
    expect(entries.every((e) => e.tenant === 'acme')).toBe(true);
  });

  it('lists only its own databases to a database-scoped key', async () => {
    const p = '/api/v2/tenants/acme/databases';
    const names = (a: Answer) => (a.body as unknown as { name: string }[]).map((d) => d.name);
    expect(names(await admin('GET', p)).sort()).toEqual(['default_database', 'second']);
    expect(names(await call(node, 'GET', p, undefined, withKey('tenantAdmin'))).sort()).toEqual([
      'default_database',
      'second',
    ]);
    expect(names(await call(node, 'GET', p, undefined, withKey('scopedAdmin')))).toEqual([
      'default_database',
    ]);
    expect(
      names(await call(node, 'GET', `${p}?offset=1`, undefined, withKey('scopedAdmin'))),
    ).toEqual([]);
  });

  it('a verification that stopped halfway through provisioning is finished by its retry', async () => {
    const verifyToken = async (email: string) => {
      await node.control.createUser({ email, password: PASSWORD, verified: false });
      const { token } = await node.control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email,
      });
      // What a verification that failed right after redeeming the token leaves: a verified user.
      await node.control.verifyEmailToken({ token, purpose: EmailTokenPurpose.VERIFICATION });
      return token;
    };
    const verify = (token: string) => call(node, 'POST', '/api/v2/accounts/verify', { token });
    const usable = async (answer: Answer) => {
      const { tenant, api_key } = answer.body as { tenant: string; api_key: { secret: string } };
      const db = await call(
        node,
        'GET',
        `/api/v2/tenants/${tenant}/databases/default_database`,
        undefined,
        {
          'x-chroma-token': api_key.secret,
        },
      );
      expect(db.status, db.text).toBe(200);
    };

    // Stopped before anything was made.
    const email = `${uniqueLocal('halfway')}@example.test`;
    const token = await verifyToken(email);
    const resumed = await verify(token);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body).toMatchObject({
      user: { email, verified: true },
      database: 'default_database',
    });
    await usable(resumed);
    // Complete now: the token is spent for good.
    expect(await verify(token)).toMatchObject({
      status: 401,
      body: { error: 'ChromaError', message: 'Invalid or expired token' },
    });

    // Stopped after the tenant and its owner: the retry keeps that tenant.
    const second = `${uniqueLocal('halfway')}@example.test`;
    const secondToken = await verifyToken(second);
    const tenant = uniqueLocal('kept');
    expect(
      (await admin('POST', '/api/v2/admin/tenants', { name: tenant, owner_email: second })).status,
    ).toBe(201);
    const finished = await verify(secondToken);
    expect(finished.status, finished.text).toBe(200);
    expect(finished.body.tenant).toBe(tenant);
    await usable(finished);
    expect((await verify(secondToken)).status).toBe(401);
  });

  it('a signup without verification that stopped after the user was made is finished by its retry', async () => {
    const email = `${uniqueLocal('unverified')}@example.test`;
    // What a signup that failed right after creating the user leaves.
    await offNode.control.createUser({ email, password: PASSWORD, verified: true });
    const signup = (password: string) =>
      call(offNode, 'POST', '/api/v2/accounts/signup', { email, password });
    const taken = {
      status: 409,
      body: { error: 'ChromaError', message: `A user with email [${email}] already exists` },
    };
    expect(await signup('not the password at all')).toMatchObject(taken);
    const resumed = await signup(PASSWORD);
    expect(resumed.status, resumed.text).toBe(201);
    expect(resumed.body).toMatchObject({ user: { email }, database: 'default_database' });
    expect(await signup(PASSWORD)).toMatchObject(taken);
  });
});
