import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRole } from '@huedb/proto/control';
import { startAuthDeployment, type AuthDeployment } from './auth-deployment.js';
import { AUTH_ERRORS } from './support.js';

/*
 * HUEDB_AUTH on, on the e2e cluster (its gateways run with auth, as in production) and on a
 * single node of this suite's own (the single-node project's shared node runs without, as
 * `chroma run`); keys come from the control plane (auth-deployment.ts): every kind of credential
 * against every kind of route answers the exact status and Chroma body, a refused request
 * changes nothing, a revocation bites within the bound, and the official Python client reads
 * with a key.
 */

const PYTHON = path.join(process.env.HOME ?? '', '.cache/huedb/chroma-venv-1.5.9/bin/python');

const { missing: UNAUTHORIZED_MISSING, invalid: UNAUTHORIZED, denied: DENIED } = AUTH_ERRORS;

interface Route {
  method: string;
  path: string;
  body?: unknown;
  /** A write (a read-only key is refused). */
  write: boolean;
  /** Only the bootstrap admin may (tenant creation, reset). */
  global?: boolean;
}

let deployment: AuthDeployment;
let collectionId: string;
const keys: Record<string, string> = {};
const keyIds: Record<string, string> = {};

// This run's tenants (unique on the shared cluster), set in beforeAll.
let TEN1: string;
let TEN2: string;
let T1: string;
let D1: string;
const call = (route: { method: string; path: string; body?: unknown }, headers = {}) =>
  fetch(`${deployment.urls[0]}${route.path}`, {
    method: route.method,
    headers: {
      ...headers,
      ...(route.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: route.body === undefined ? undefined : JSON.stringify(route.body),
  });
const asAdmin = () => ({ 'x-chroma-token': deployment.adminToken });

/** What a refused request must leave as it was: TEN1's databases, db1's collections and records. */
async function snapshot(): Promise<unknown> {
  const read = async (method: string, p: string, body?: unknown) =>
    (await call({ method, path: p, body }, asAdmin())).json();
  return {
    tenants: await read('GET', T1),
    databases: await read('GET', `${T1}/databases`),
    collections: await read('GET', `${D1}/collections`),
    records: await read('POST', `${D1}/collections/${collectionId}/get`, {
      include: ['documents', 'metadatas', 'embeddings'],
    }),
  };
}

function routes(): Route[] {
  const c = `${D1}/collections/${collectionId}`;
  const rec = { ids: ['x1'], embeddings: [[9, 9]], documents: ['x'] };
  return [
    { method: 'GET', path: T1, write: false },
    { method: 'GET', path: `${T1}/databases`, write: false },
    { method: 'GET', path: D1, write: false },
    { method: 'GET', path: `${D1}/collections`, write: false },
    { method: 'GET', path: `${D1}/collections_count`, write: false },
    { method: 'GET', path: `${D1}/collections/col1`, write: false },
    { method: 'POST', path: `${c}/get`, body: {}, write: false },
    { method: 'POST', path: `${c}/query`, body: { query_embeddings: [[1, 0]] }, write: false },
    { method: 'GET', path: `${c}/count`, write: false },
    { method: 'GET', path: `/api/v2/collections/${TEN1}:db1:col1`, write: false },
    { method: 'POST', path: `${D1}/collections`, body: { name: 'new' }, write: true },
    { method: 'PUT', path: c, body: { new_metadata: { m: 1 } }, write: true },
    { method: 'POST', path: `${c}/add`, body: rec, write: true },
    { method: 'POST', path: `${c}/upsert`, body: rec, write: true },
    { method: 'POST', path: `${c}/update`, body: { ids: ['r1'], documents: ['y'] }, write: true },
    { method: 'POST', path: `${c}/delete`, body: { ids: ['r1'] }, write: true },
    { method: 'POST', path: `${T1}/databases`, body: { name: 'db9' }, write: true },
    { method: 'DELETE', path: `${D1}/collections/col1`, write: true },
    { method: 'DELETE', path: D1, write: true },
    {
      method: 'POST',
      path: '/api/v2/tenants',
      body: { name: `${TEN1}_9` },
      write: true,
      global: true,
    },
    { method: 'POST', path: '/api/v2/reset', write: true, global: true },
  ];
}

describe('HUEDB_AUTH: every route authenticated and authorized', () => {
  beforeAll(async () => {
    deployment = await startAuthDeployment();
    TEN1 = deployment.tenant('ten1');
    TEN2 = deployment.tenant('ten2');
    T1 = `/api/v2/tenants/${TEN1}`;
    D1 = `${T1}/databases/db1`;
    const admin = (method: string, p: string, body?: unknown) =>
      call({ method, path: p, body }, asAdmin()).then(async (r) => {
        expect(r.status, `${method} ${p}: ${await r.clone().text()}`).toBeLessThan(300);
        return r.json() as Promise<Record<string, unknown>>;
      });
    await admin('POST', '/api/v2/tenants', { name: TEN1 });
    await admin('POST', '/api/v2/tenants', { name: TEN2 });
    await admin('POST', `${T1}/databases`, { name: 'db1' });
    await admin('POST', `${T1}/databases`, { name: 'db2' });
    await admin('POST', `/api/v2/tenants/${TEN2}/databases`, { name: 'db1' });
    collectionId = (await admin('POST', `${D1}/collections`, { name: 'col1' })).id as string;
    await admin('POST', `${D1}/collections/${collectionId}/add`, {
      ids: ['r1', 'r2'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
      documents: ['one', 'two'],
    });
    const make = async (
      name: string,
      tenant: string,
      role: KeyRole,
      databases: string[] = [],
      expiresAtMs?: bigint,
    ) => {
      const made = await deployment.control.createApiKey({
        tenant,
        role,
        databases,
        name,
        expiresAtMs,
      });
      keys[name] = made.secret;
      keyIds[name] = made.key!.id;
    };
    await make('rw', TEN1, KeyRole.READ_WRITE);
    await make('ro', TEN1, KeyRole.READ);
    await make('d2only', TEN1, KeyRole.ADMIN, ['db2']);
    await make('other', TEN2, KeyRole.ADMIN);
    await make('revoked', TEN1, KeyRole.ADMIN);
    await make('expiring', TEN1, KeyRole.ADMIN, [], BigInt(Date.now() + 1_500));
    await make('late', TEN1, KeyRole.READ);
    await deployment.control.revokeApiKey({ keyId: keyIds.revoked! });
  });

  afterAll(async () => {
    await deployment?.close();
  });

  it('keeps heartbeat, version and the API document open', async () => {
    for (const p of ['/api/v2/heartbeat', '/api/v2/version', '/openapi.json']) {
      expect((await call({ method: 'GET', path: p })).status, p).toBe(200);
      expect((await call({ method: 'GET', path: p }, { 'x-chroma-token': 'junk' })).status).toBe(
        200,
      );
    }
  });

  it('refuses every bad credential on every route with the exact answer, changing nothing', async () => {
    // The expiring key has expired (polled with a deadline: its expiry is the control plane's).
    const deadline = Date.now() + 10_000;
    while ((await call({ method: 'GET', path: T1 }, { 'x-chroma-token': keys.expiring! })).ok) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = await snapshot();
    const cases: [string, Record<string, string>, (r: Route) => [number, unknown] | undefined][] = [
      ['no credential', {}, () => [401, UNAUTHORIZED_MISSING]],
      ['malformed', { authorization: 'Basic dTpw' }, () => [401, UNAUTHORIZED]],
      [
        'unknown',
        { 'x-chroma-token': `hdb_${'a'.repeat(16)}_${'B'.repeat(43)}` },
        () => [401, UNAUTHORIZED],
      ],
      ['revoked', { 'x-chroma-token': keys.revoked! }, () => [401, UNAUTHORIZED]],
      ['expired', { authorization: `Bearer ${keys.expiring!}` }, () => [401, UNAUTHORIZED]],
      ["another tenant's key", { 'x-chroma-token': keys.other! }, () => [403, DENIED]],
      [
        'read-only key',
        { 'x-chroma-token': keys.ro! },
        (r) => (r.write ? [403, DENIED] : undefined),
      ],
      [
        'key scoped to another database',
        { 'x-chroma-token': keys.d2only! },
        (r) =>
          // Listing the tenant's databases is a tenant-level read (no database named).
          r.path === T1 || r.path === `${T1}/databases` ? undefined : [403, DENIED],
      ],
      [
        'read-write key on global actions',
        { 'x-chroma-token': keys.rw! },
        (r) =>
          r.global ||
          (r.path === `${T1}/databases` && r.method === 'POST') ||
          (r.path === D1 && r.method === 'DELETE')
            ? [403, DENIED]
            : undefined,
      ],
    ];
    const failures: string[] = [];
    for (const [name, headers, expect_] of cases) {
      for (const route of routes()) {
        const expected = expect_(route);
        if (!expected) continue;
        const res = await call(route, headers);
        const body = await res.json();
        if (res.status !== expected[0] || JSON.stringify(body) !== JSON.stringify(expected[1])) {
          failures.push(
            `${name}: ${route.method} ${route.path} → ${res.status} ${JSON.stringify(body)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('lets keys do what they grant, and answers identity from the key', async () => {
    const ro = { 'x-chroma-token': keys.ro! };
    for (const route of routes().filter((r) => !r.write)) {
      const res = await call(route, ro);
      expect(res.status, `${route.method} ${route.path}: ${await res.clone().text()}`).toBe(200);
    }
    const added = await call(
      {
        method: 'POST',
        path: `${D1}/collections/${collectionId}/add`,
        body: {
          ids: ['w1'],
          embeddings: [[1, 1]],
        },
      },
      { authorization: `Bearer ${keys.rw!}` },
    );
    expect(added.status).toBe(201);
    const identity = await call({ method: 'GET', path: '/api/v2/auth/identity' }, ro);
    expect(await identity.json()).toEqual({ user_id: '', tenant: TEN1, databases: ['*'] });
    const scoped = await call(
      { method: 'GET', path: '/api/v2/auth/identity' },
      { 'x-chroma-token': keys.d2only! },
    );
    expect(await scoped.json()).toEqual({ user_id: '', tenant: TEN1, databases: ['db2'] });
    expect((await call({ method: 'GET', path: '/api/v2/auth/identity' })).status).toBe(401);
  });

  it("answers 404 for a collection id outside the path's tenant or database", async () => {
    const other = `/api/v2/tenants/${TEN2}/databases/db1/collections/${collectionId}`;
    for (const headers of [{ 'x-chroma-token': keys.other! }, asAdmin()]) {
      for (const route of [
        { method: 'POST', path: `${other}/get`, body: {} },
        { method: 'GET', path: `${other}/count` },
        { method: 'POST', path: `${other}/add`, body: { ids: ['z'], embeddings: [[1, 2]] } },
      ]) {
        const res = await call(route, headers);
        expect(res.status, `${route.method} ${route.path}`).toBe(404);
        expect(((await res.json()) as { error: string }).error).toBe('NotFoundError');
      }
    }
  });

  it('stops a revoked key within the 5 s bound', async () => {
    const late = { 'x-chroma-token': keys.late! };
    expect((await call({ method: 'GET', path: T1 }, late)).status).toBe(200); // now cached
    const revokedAt = Date.now();
    await deployment.control.revokeApiKey({ keyId: keyIds.late! });
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 10_000) {
      status = (await call({ method: 'GET', path: T1 }, late)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    const tookMs = Date.now() - revokedAt;
    expect(status).toBe(401);
    expect(tookMs).toBeLessThan(5_000);
  });

  it('serves the official Python client that sends a key', async () => {
    const script = [
      'import chromadb, sys',
      'from chromadb.config import Settings',
      'c = chromadb.HttpClient(host=sys.argv[1], port=int(sys.argv[2]), settings=Settings(',
      '  chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",',
      '  chroma_client_auth_credentials=sys.argv[3],',
      '  chroma_overwrite_singleton_tenant_database_access_from_auth=True), database="db1")',
      'print(c.tenant, c.database, c.get_collection("col1").count())',
    ].join('\n');
    const url = new URL(deployment.urls[0]!);
    const { stdout } = await promisify(execFile)(PYTHON, [
      '-c',
      script,
      url.hostname,
      url.port,
      keys.ro!,
    ]);
    expect(stdout.trim()).toMatch(new RegExp(`^${TEN1} db1 \\d+$`));
  });
});
