import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAdminToken, getGatewayUrls } from '@huedb/testing';
import { createLogger } from '@huedb/service';
import { startSingleNode, type SingleNode } from '@huedb/single-node';
import { collectionName } from './support.js';

/*
 * Plans and quotas (docs/decisions/0029-plans-and-quotas.md) through the admin API, on the
 * e2e cluster (auth on, two gateways) and, in the single-node project, on a single node of the
 * suite's own with auth on (the project's node runs without, as `chroma run`, and the admin API
 * needs it). Each counting and per-request limit at limit − 1, limit and limit + 1, the refusal
 * exactly in Chroma's words and changing nothing; the tenant's request rate shared by the
 * gateways, with the RateLimit fields on every answer.
 */

const OWN_ADMIN = 'e2e-plans-admin-token-0123456789abcdef0123';
let own: SingleNode | undefined;
let dir: string | undefined;
let urls: string[];
let token: string;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(method: string, p: string, body?: unknown, gateway = 0): Promise<Answer> {
  const response = await fetch(`${urls[gateway % urls.length]}${p}`, {
    method,
    headers: {
      'x-chroma-token': token,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

const quota = (usage: string, action: string, current: number, limit: number) => ({
  error: 'ChromaError',
  message: `Quota exceeded: '${usage}' exceeded quota limit for action '${action}': current usage of ${current} exceeds limit of ${limit}`,
});

function uniqueTenant(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function newTenant(prefix: string): Promise<string> {
  const name = uniqueTenant(prefix);
  const made = await call('POST', '/api/v2/admin/tenants', { name });
  expect(made.status).toBe(201);
  return name;
}

beforeAll(async () => {
  const deploymentToken = getAdminToken();
  if (deploymentToken !== undefined) {
    urls = getGatewayUrls();
    token = deploymentToken;
    return;
  }
  dir = mkdtempSync(path.join(tmpdir(), 'huedb-plans-'));
  own = await startSingleNode({
    path: dir,
    host: '127.0.0.1',
    port: 0,
    auth: true,
    adminToken: OWN_ADMIN,
    logger: createLogger({ service: 'single-node', level: 'warn', pretty: false }),
  });
  urls = [own.url];
  token = OWN_ADMIN;
});

afterAll(async () => {
  await own?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a tenant’s plan through the admin API', () => {
  it('starts on the deployment’s default plan and takes a plan with overrides', async () => {
    const tenant = await newTenant('plan');
    const before = await call('GET', `/api/v2/admin/tenants/${tenant}/plan`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      tenant,
      // Single-node's default; the e2e cluster's (HUEDB_PLAN=e2e, from its plans file).
      plan: own ? 'unlimited' : 'e2e',
      is_default: true,
      overrides: {},
      updated_at_ms: 0,
    });
    const set = await call('PUT', `/api/v2/admin/tenants/${tenant}/plan`, {
      plan: 'free',
      overrides: { max_metadata_keys: 3, max_query_results: null },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      tenant,
      plan: 'free',
      is_default: false,
      overrides: { max_metadata_keys: 3, max_query_results: null },
    });
    const limits = set.body.limits as Record<string, number | null>;
    expect(limits).toMatchObject({
      max_metadata_keys: 3,
      max_query_results: null,
      max_document_bytes: 16_384,
      max_collections_per_tenant: 1_000_000,
    });
    expect((await call('GET', `/api/v2/admin/tenants/${tenant}/plan`)).body).toEqual(set.body);
  });

  it('refuses an unknown plan, an unknown limit and an unknown tenant, changing nothing', async () => {
    const tenant = await newTenant('plan-bad');
    const route = `/api/v2/admin/tenants/${tenant}/plan`;
    expect(await call('PUT', route, { plan: 'gold' })).toMatchObject({
      status: 400,
      body: {
        error: 'InvalidArgumentError',
        message: `Unknown plan "gold"; plans: free, pro, unlimited${own ? '' : ', e2e'}`,
      },
    });
    const unknownLimit = await call('PUT', route, { plan: 'free', overrides: { max_keys: 1 } });
    expect(unknownLimit.status).toBe(422);
    const negative = await call('PUT', route, { plan: 'free', overrides: { max_batch_size: -1 } });
    expect(negative.status).toBe(422);
    expect((await call('GET', route)).body).toMatchObject({ is_default: true });
    const missing = await call('PUT', `/api/v2/admin/tenants/${uniqueTenant('none')}/plan`, {
      plan: 'free',
    });
    expect(missing.status).toBe(404);
  });

  it('is the operator’s to set: a tenant’s own admin key may read it, not raise it', async () => {
    const tenant = await newTenant('plan-key');
    const made = await call('POST', `/api/v2/admin/tenants/${tenant}/keys`, {
      name: 'admin',
      role: 'admin',
    });
    expect(made.status).toBe(201);
    const key = made.body.secret as string;
    const asKey = (method: string, body?: unknown) =>
      fetch(`${urls[0]}/api/v2/admin/tenants/${tenant}/plan`, {
        method,
        headers: { 'x-chroma-token': key, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    expect((await asKey('GET')).status).toBe(200);
    const raised = await asKey('PUT', { plan: 'unlimited' });
    expect(raised.status).toBe(403);
    expect((await call('GET', `/api/v2/admin/tenants/${tenant}/plan`)).body).toMatchObject({
      is_default: true,
    });
  });
});

/** A tenant of its own on the free plan with small counting limits and no request rate. */
async function quotaTenant(prefix: string): Promise<string> {
  const tenant = await newTenant(prefix);
  const set = await call('PUT', `/api/v2/admin/tenants/${tenant}/plan`, {
    plan: 'free',
    overrides: {
      max_collections_per_tenant: 3,
      max_databases_per_tenant: 2,
      max_records_per_collection: 5,
      max_id_bytes: 8,
      max_metadata_keys: 2,
      requests_per_second: null,
    },
  });
  expect(set.status).toBe(200);
  return tenant;
}

describe('quotas at limit − 1, limit and limit + 1', () => {
  let tenant: string;
  let db: string;

  beforeAll(async () => {
    tenant = await quotaTenant('quota');
    db = `/api/v2/tenants/${tenant}/databases/default_database`;
  });

  it('collections per tenant (forks included)', async () => {
    const names = [collectionName('q1'), collectionName('q2'), collectionName('q3')];
    const ids: string[] = [];
    for (const name of names) {
      const made = await call('POST', `${db}/collections`, { name });
      expect(made.status).toBe(200);
      ids.push(made.body.id as string);
    }
    const over = await call('POST', `${db}/collections`, { name: collectionName('q4') });
    expect(over).toMatchObject({
      status: 422,
      body: quota('Number of collections', 'Create Collection', 4, 3),
    });
    // get_or_create of one that exists is not a new collection.
    const found = await call('POST', `${db}/collections`, { name: names[0], get_or_create: true });
    expect(found).toMatchObject({ status: 200, body: { id: ids[0] } });
    const fork = await call('POST', `${db}/collections/${ids[0]}/fork`, {
      new_name: collectionName('qf'),
    });
    expect(fork).toMatchObject({
      status: 422,
      body: quota('Number of collections', 'Fork Collection', 4, 3),
    });
    expect((await call('GET', `${db}/collections_count`)).body).toBe(3);
    // A delete frees a place.
    expect((await call('DELETE', `${db}/collections/${names[2]}`)).status).toBe(200);
    expect((await call('POST', `${db}/collections`, { name: collectionName('q5') })).status).toBe(
      200,
    );
  });

  it('databases per tenant', async () => {
    const base = `/api/v2/tenants/${tenant}/databases`;
    expect((await call('POST', base, { name: 'second' })).status).toBe(200);
    expect(await call('POST', base, { name: 'third' })).toMatchObject({
      status: 422,
      body: quota('Number of databases', 'Create Database', 3, 2),
    });
    const listed = (await call('GET', base)).body as unknown as { name: string }[];
    expect(listed.map((d) => d.name).sort()).toEqual(['default_database', 'second']);
  });

  it('records per collection, ids and metadata keys', async () => {
    const own = await quotaTenant('records');
    const made = await call(
      'POST',
      `/api/v2/tenants/${own}/databases/default_database/collections`,
      {
        name: collectionName('rec'),
      },
    );
    expect(made.status).toBe(200);
    const base = `/api/v2/tenants/${own}/databases/default_database/collections/${made.body.id as string}`;
    const rows = (ids: string[]) => ({ ids, embeddings: ids.map(() => [1, 2]) });
    const four = await call('POST', `${base}/add`, rows(['a', 'b', 'c', 'd']));
    expect(four.status).toBe(201);
    // Headroom: what is left of the collection's quota after the write.
    expect(four.headers.get('huedb-quota')).toBe('"collection-records";r=1;q=5');
    const five = await call('POST', `${base}/add`, rows(['e']));
    expect(five.status).toBe(201);
    expect(five.headers.get('huedb-quota')).toBe('"collection-records";r=0;q=5');
    expect(await call('POST', `${base}/add`, rows(['f']))).toMatchObject({
      status: 422,
      body: quota('Collection size (records)', 'Add', 6, 5),
    });
    expect(await call('POST', `${base}/upsert`, rows(['g']))).toMatchObject({
      status: 422,
      body: quota('Collection size (records)', 'Upsert', 6, 5),
    });
    // Updates do not grow a collection.
    expect((await call('POST', `${base}/update`, { ids: ['a'], documents: ['x'] })).status).toBe(
      200,
    );
    expect((await call('GET', `${base}/count`)).body).toBe(5);
    expect((await call('POST', `${base}/delete`, { ids: ['e'] })).status).toBe(200);
    expect((await call('POST', `${base}/add`, rows(['abcdefgh']))).status).toBe(201);
    expect(await call('POST', `${base}/add`, rows(['abcdefghi']))).toMatchObject({
      status: 422,
      body: quota('ID size (bytes)', 'Add', 9, 8),
    });
    expect(
      await call('POST', `${base}/update`, { ids: ['a'], metadatas: [{ k1: 1, k2: 2, k3: 3 }] }),
    ).toMatchObject({
      status: 422,
      body: quota('Number of metadata dictionary keys', 'Update', 3, 2),
    });
    expect(
      (await call('POST', `${base}/update`, { ids: ['a'], metadatas: [{ k1: 1, k2: 2 }] })).status,
    ).toBe(200);
    const got = await call('POST', `${base}/get`, { include: [] });
    expect((got.body.ids as string[]).sort()).toEqual(['a', 'abcdefgh', 'b', 'c', 'd']);
  });
});

describe('a tenant’s request rate', () => {
  it('is shared by the gateways and told in the RateLimit fields', async () => {
    // A tenant no gateway has seen yet, so every gateway reads the plan set here.
    const tenant = await newTenant('rate');
    const burst = 4;
    const perSecond = 2;
    const set = await call('PUT', `/api/v2/admin/tenants/${tenant}/plan`, {
      plan: 'unlimited',
      overrides: { requests_per_second: perSecond, request_burst: burst },
    });
    expect(set.status).toBe(200);
    const route = `/api/v2/tenants/${tenant}/databases/default_database/collections_count`;
    const started = Date.now();
    const answers: Answer[] = [];
    // Alternating between the gateways (one on single-node) for 3 seconds.
    while (Date.now() - started < 3000)
      answers.push(await call('GET', route, undefined, answers.length));
    const elapsedS = (Date.now() - started) / 1000;
    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    // One bucket for all gateways: the burst plus what refilled, never that per gateway.
    expect(admitted.length).toBeGreaterThanOrEqual(burst);
    expect(admitted.length).toBeLessThanOrEqual(burst + Math.ceil(perSecond * elapsedS) + 1);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of answers) {
      expect(a.headers.get('ratelimit-policy')).toBe(`"tenant";q=${burst};w=2`);
      expect(a.headers.get('ratelimit')).toMatch(/^"tenant";r=\d+;t=\d+$/);
    }
    // The first answers count down what is left.
    const left = admitted
      .slice(0, burst)
      .map((a) => Number(/r=(\d+)/.exec(a.headers.get('ratelimit')!)![1]));
    expect(left[0]).toBeLessThan(burst);
    expect([...left].sort((x, y) => y - x)).toEqual(left);
    const first = refused[0]!;
    expect(first.body).toMatchObject({ error: 'RateLimitError' });
    expect(first.body.message).toMatch(
      /^Rate limit exceeded: the plan allows 2 requests per second/,
    );
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Other tenants are not slowed by this one.
    const other = await newTenant('rate-other');
    const free = await call(
      'GET',
      `/api/v2/tenants/${other}/databases/default_database/collections_count`,
    );
    expect(free.status).toBe(200);
  });
});

describe('concurrent writes of a collection', () => {
  it('are held to the plan (its share on each gateway): 429 with Retry-After over it', async () => {
    const tenant = await newTenant('slots');
    const set = await call('PUT', `/api/v2/admin/tenants/${tenant}/plan`, {
      plan: 'unlimited',
      overrides: { max_concurrent_writes_per_collection: 1 },
    });
    expect(set.status).toBe(200);
    const db = `/api/v2/tenants/${tenant}/databases/default_database`;
    const made = await call('POST', `${db}/collections`, { name: collectionName('slots') });
    const base = `${db}/collections/${made.body.id as string}`;
    // 40 adds at once on one gateway, each waiting for the log's fsync: one slot, so most are
    // refused rather than queued.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call('POST', `${base}/add`, { ids: [`r${i}`], embeddings: [[1, i]] }),
      ),
    );
    const written = answers.filter((a) => a.status === 201).length;
    const refused = answers.filter((a) => a.status === 429);
    expect(written).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(written + refused.length).toBe(40);
    expect(refused[0]!.body).toEqual({
      error: 'RateLimitError',
      message:
        'Too many concurrent writes of this collection: the plan allows 1 at a time; retry after 1 s',
    });
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    // A refused write wrote nothing.
    expect((await call('GET', `${base}/count`)).body).toBe(written);
  });
});
