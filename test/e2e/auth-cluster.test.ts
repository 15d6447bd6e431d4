import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChromaClient, ChromaUnauthorizedError, ChromaValueError } from 'chromadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRole } from '@huedb/proto/control';
import { tokenHeaders } from '@huedb/testing';
import { startAuthDeployment, type AuthDeployment } from './auth-deployment.js';

/*
 * The e2e cluster with auth on, as in production (two gateways behind the catalog's control
 * plane): a revocation stops a key cached on both gateways within the 5 s bound, and the
 * official JS and Python clients work against it with a key, finding the key's tenant (and
 * database) from /api/v2/auth/identity when they name none.
 */

const PYTHON = path.join(process.env.HOME ?? '', '.cache/huedb/chroma-venv-1.5.9/bin/python');
const REVOCATION_BOUND_MS = 5_000;
/** Well-formed, but no such key. */
const WRONG_KEY = `hdb_${'a'.repeat(16)}_${'B'.repeat(43)}`;

let deployment: AuthDeployment;
let tenant: string;
/** A read-write key for the whole tenant, and one scoped to its database db1. */
let tenantKey: string;
let db1Key: string;

async function asAdmin(method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${deployment.urls[0]}${p}`, {
    method,
    headers: { 'content-type': 'application/json', ...tokenHeaders(deployment.adminToken) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${p}`).toBeLessThan(300);
  return res.json();
}

async function makeKey(role: KeyRole, databases: string[] = []) {
  return deployment.control.createApiKey({ tenant, role, databases, name: `k${Date.now()}` });
}

/** The official JS client on gateway `i` with `key` in its headers. */
function jsClient(
  key: string,
  i: number,
  scope: { tenant?: string; database?: string },
): ChromaClient {
  const url = new URL(deployment.urls[i]!);
  return new ChromaClient({
    host: url.hostname,
    port: Number(url.port),
    ssl: false,
    headers: tokenHeaders(key),
    ...scope,
  });
}

describe('auth on the cluster: two gateways, the official clients', () => {
  beforeAll(async () => {
    deployment = await startAuthDeployment();
    expect(deployment.urls.length).toBeGreaterThanOrEqual(2);
    tenant = deployment.tenant('clients');
    await asAdmin('POST', '/api/v2/tenants', { name: tenant });
    await asAdmin('POST', `/api/v2/tenants/${tenant}/databases`, { name: 'db1' });
    await asAdmin('POST', `/api/v2/tenants/${tenant}/databases`, { name: 'db2' });
    tenantKey = (await makeKey(KeyRole.READ_WRITE)).secret;
    db1Key = (await makeKey(KeyRole.READ_WRITE, ['db1'])).secret;
  });

  afterAll(async () => {
    await deployment?.close();
  });

  it('stops a key cached on both gateways within the bound after a revocation', async () => {
    const made = await makeKey(KeyRole.READ);
    const tenantPath = `/api/v2/tenants/${tenant}`;
    const statusOn = async (gateway: number) =>
      (
        await fetch(`${deployment.urls[gateway]}${tenantPath}`, {
          headers: tokenHeaders(made.secret),
        })
      ).status;
    // Used on each gateway first: both now hold it in their caches.
    const gateways = deployment.urls.map((_, i) => i);
    for (const g of gateways) expect(await statusOn(g), `gateway ${g}`).toBe(200);
    const revokedAt = Date.now();
    await deployment.control.revokeApiKey({ keyId: made.key!.id });
    // Polled back to back (each poll is a round trip) until every gateway refuses, or the
    // deadline: twice the bound, so a slow propagation fails on the bound with its time.
    const stoppedAfterMs = new Map<number, number>();
    while (
      stoppedAfterMs.size < gateways.length &&
      Date.now() - revokedAt < 2 * REVOCATION_BOUND_MS
    ) {
      for (const g of gateways) {
        if (stoppedAfterMs.has(g)) continue;
        const status = await statusOn(g);
        if (status !== 200) {
          expect(status, `gateway ${g}`).toBe(401);
          stoppedAfterMs.set(g, Date.now() - revokedAt);
        }
      }
    }
    const times = gateways.map((g) => stoppedAfterMs.get(g) ?? Infinity);
    console.log(
      `[auth-cluster] revocation stopped the key on ${gateways.length} gateways after ${times.map((t) => `${t} ms`).join(', ')}`,
    );
    for (const t of times) expect(t).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
  });

  it('serves the JS client with a key in `headers`, finding tenant and database from it', async () => {
    // A key scoped to one database, and a client naming neither: both come from the identity.
    const scoped = jsClient(db1Key, 0, { tenant: '', database: '' });
    const name = `js-${Date.now()}`;
    const collection = await scoped.createCollection({ name, embeddingFunction: null });
    await collection.add({
      ids: ['a', 'b'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
    });
    expect([scoped.tenant, scoped.database]).toEqual([tenant, 'db1']);
    // Where it landed, through the other gateway and the admin.
    const listed = (await asAdmin(
      'GET',
      `/api/v2/tenants/${tenant}/databases/db1/collections`,
    )) as {
      name: string;
    }[];
    expect(listed.map((c) => c.name)).toContain(name);
    // A tenant-wide key on the other gateway, naming both (JS 3.5 asks the identity only when
    // it names neither, then takes both from it).
    const tenantWide = jsClient(tenantKey, 1, { tenant, database: 'db1' });
    expect(await (await tenantWide.getCollection({ name })).count()).toBe(2);
    // A tenant-wide key and no names: the client cannot pick a database (its rule, as on Chroma).
    await expect(
      jsClient(tenantKey, 0, { tenant: '', database: '' }).listCollections(),
    ).rejects.toThrow(ChromaValueError);
  });

  it('gives the JS client its auth error for a wrong key', async () => {
    for (const scope of [
      { tenant, database: 'db1' },
      { tenant: '', database: '' },
    ]) {
      await expect(jsClient(WRONG_KEY, 0, scope).listCollections()).rejects.toThrow(
        ChromaUnauthorizedError,
      );
    }
  });

  it('serves the Python client with token auth, finding tenant and database from the key', async () => {
    const name = `py-${Date.now()}`;
    const script = [
      'import chromadb, sys',
      'from chromadb.config import Settings',
      'def client(key, **kw):',
      '  return chromadb.HttpClient(host=sys.argv[1], port=int(sys.argv[2]), settings=Settings(',
      '    chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",',
      '    chroma_client_auth_credentials=key, **kw))',
      // Chroma's client resolves a single tenant/database from the identity only when told to.
      'c = client(sys.argv[3], chroma_overwrite_singleton_tenant_database_access_from_auth=True)',
      'col = c.create_collection(sys.argv[5], embedding_function=None)',
      'col.add(ids=["p1"], embeddings=[[1.0, 2.0]])',
      'print(c.tenant, c.database, col.count())',
      'try:',
      '  client(sys.argv[4]).heartbeat()',
      'except Exception as e:',
      '  print(type(e).__name__, e)',
    ].join('\n');
    const url = new URL(deployment.urls[1]!);
    const { stdout } = await promisify(execFile)(PYTHON, [
      '-c',
      script,
      url.hostname,
      url.port,
      db1Key,
      WRONG_KEY,
      name,
    ]);
    // HueDB's 401 body names `ChromaError` (decision 0022): the client raises that, with the message.
    expect(stdout.trim().split('\n')).toEqual([
      `${tenant} db1 1`,
      'ChromaError Unauthorized: invalid credentials',
    ]);
  });
});
