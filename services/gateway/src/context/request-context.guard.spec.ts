import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { PRO_LIMITS, UnauthenticatedError } from '@huedb/core';
import { currentScope, type RequestScope } from '@huedb/grpc';
import { createLogger, renderMetrics } from '@huedb/service';
import { createGatewayApp } from '../app.js';
import { fakeBackends } from '../backends/fake-backends.js';
import { loadGatewayConfig } from '../config.js';
import { fixedPlans } from '../plans/tenant-plans.js';
import type { Authenticator } from './authenticator.js';
import { ANONYMOUS, type Principal } from './request-context.js';

const DB = '/api/v2/tenants/default_tenant/databases/default_database';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The gateway on in-memory backends, its JSON log lines captured. */
async function gateway(authenticator?: Authenticator) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const backends = fakeBackends();
  const log = createLogger({ service: 'gateway', pretty: false, destination });
  // Auth off (the gateway's default is on): these specs are about the context, not credentials;
  // the authentication seam below plugs its own authenticator in.
  const config = loadGatewayConfig({ HUEDB_AUTH: 'false' });
  const app = await createGatewayApp(backends, config, fixedPlans(PRO_LIMITS), {
    log,
    authenticator,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, backends, requestLines: () => lines.filter((l) => l.msg === 'request') };
}

describe('RequestContextGuard, request ids, request log and HTTP metrics', () => {
  let app: NestFastifyApplication;
  let requestLines: () => Record<string, unknown>[];
  let collectionId: string;

  beforeAll(async () => {
    const g = await gateway();
    app = g.app;
    requestLines = g.requestLines;
    collectionId = g.backends.state.addCollection('c');
  });
  afterAll(() => app.close());

  it('keeps a sane x-request-id and echoes it; replaces anything else with a UUID', async () => {
    const kept = await app.inject({
      method: 'GET',
      url: '/api/v2/heartbeat',
      headers: { 'x-request-id': 'trace-42.a:b' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-42.a:b');
    for (const bad of ['', 'a b', 'x'.repeat(129), 'line\u0001break']) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/v2/heartbeat',
        headers: { 'x-request-id': bad },
      });
      expect(res.headers['x-request-id'], JSON.stringify(bad)).toMatch(UUID_RE);
    }
  });

  it('puts the request id on every answer: errors, unknown routes, v1, body-parse failures', async () => {
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: '/nope' }),
      app.inject({ method: 'DELETE', url: '/api/v2/heartbeat' }),
      app.inject({ method: 'GET', url: '/api/v1/heartbeat' }),
      app.inject({ method: 'GET', url: `${DB}/collections/missing` }),
      app.inject({
        method: 'POST',
        url: `${DB}/collections/${collectionId}/get`,
        headers: { 'content-type': 'application/json' },
        payload: '{"ids": [',
      }),
      app.inject({ method: 'GET', url: '/metrics' }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([404, 405, 410, 404, 400, 200]);
    for (const answer of answers) expect(answer.headers['x-request-id']).toMatch(UUID_RE);
  });

  it('writes one JSON line per request: id, method, route template, tenant, database, status, latency, bytes', async () => {
    const before = requestLines().length;
    const res = await app.inject({
      method: 'POST',
      url: `${DB}/collections/${collectionId}/add`,
      headers: { 'x-request-id': 'req-1' },
      payload: { ids: ['a'], embeddings: [[1, 2]] },
    });
    expect(res.statusCode).toBe(201);
    const lines = requestLines().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: 'gateway',
      requestId: 'req-1',
      method: 'POST',
      route: '/api/v2/tenants/:tenant/databases/:database/collections/:id/add',
      tenant: 'default_tenant',
      database: 'default_database',
      status: 201,
      bytes: 2,
    });
    expect(lines[0]!.latencyMs).toBeTypeOf('number');
    expect(lines[0]!.requestBytes).toBeGreaterThan(0);
  });

  it('counts requests per route template and status class, never per raw path or id', async () => {
    await app.inject({ method: 'GET', url: `${DB}/collections/${collectionId}/count` });
    await app.inject({ method: 'GET', url: '/no/such/route/123' });
    const { body } = await renderMetrics();
    expect(body).toContain(
      'huedb_http_requests_total{method="GET",route="/api/v2/tenants/:tenant/databases/:database/collections/:id/count",status_class="2xx"}',
    );
    expect(body).toContain(
      'huedb_http_requests_total{method="GET",route="unmatched",status_class="4xx"}',
    );
    expect(body).toMatch(
      /huedb_http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/api\/v2\/heartbeat"\}/,
    );
    const series = body.split('\n').filter((l) => l.startsWith('huedb_http_'));
    for (const line of series) {
      expect(line).not.toContain(collectionId);
      expect(line).not.toContain('default_tenant');
      expect(line).not.toContain('/no/such');
    }
  });
});

describe('the authentication seam', () => {
  it("hands the authenticator's principal to handlers, and its refusal is Chroma's 401", async () => {
    const seen: Principal[] = [];
    const principal: Principal = {
      kind: 'authenticated',
      subject: 'key:1',
      userId: 'u-1',
      tenant: 'default_tenant',
      databases: [],
      role: 'read',
    };
    const authenticator: Authenticator = {
      authenticate(request: FastifyRequest) {
        if (request.headers['x-chroma-token'] !== 'secret') {
          return Promise.reject(new UnauthenticatedError('Missing or invalid credentials'));
        }
        seen.push(principal);
        return Promise.resolve(principal);
      },
    };
    const { app } = await gateway(authenticator);
    try {
      const refused = await app.inject({ method: 'GET', url: '/api/v2/tenants/default_tenant' });
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toEqual({
        error: 'ChromaError',
        message: 'Missing or invalid credentials',
      });
      expect(refused.headers['x-request-id']).toMatch(UUID_RE);
      // Open routes never ask the authenticator.
      const open = await app.inject({ method: 'GET', url: '/api/v2/heartbeat' });
      expect(open.statusCode).toBe(200);
      const ok = await app.inject({
        method: 'GET',
        url: '/api/v2/auth/identity',
        headers: { 'x-chroma-token': 'secret' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ user_id: 'u-1', tenant: 'default_tenant', databases: ['*'] });
      expect(seen).toEqual([principal]);
    } finally {
      await app.close();
    }
  });

  it('is anonymous by default', () => {
    expect(ANONYMOUS).toEqual({ kind: 'anonymous' });
  });
});

describe('the principal in the gRPC request scope', () => {
  it("is what the handler's backend calls carry (tenant, subject, role); none when anonymous", async () => {
    const principal: Principal = {
      kind: 'authenticated',
      subject: 'key:abc',
      userId: '',
      tenant: 'default_tenant',
      databases: [],
      role: 'read',
    };
    const authenticator: Authenticator = {
      authenticate: (request: FastifyRequest) =>
        Promise.resolve(request.headers['x-chroma-token'] ? principal : ANONYMOUS),
    };
    const { app, backends } = await gateway(authenticator);
    const seen: (RequestScope | undefined)[] = [];
    const getTenant = backends.catalog.getTenant.bind(backends.catalog);
    (backends.catalog as { getTenant: typeof getTenant }).getTenant = (...args) => {
      seen.push(currentScope());
      return getTenant(...args);
    };
    try {
      const url = '/api/v2/tenants/default_tenant';
      const res = await app.inject({ method: 'GET', url, headers: { 'x-chroma-token': 'k' } });
      expect(res.statusCode).toBe(200);
      await app.inject({ method: 'GET', url });
      expect(seen.map((s) => s?.principal)).toEqual([
        { tenant: 'default_tenant', subject: 'key:abc', role: 'read' },
        undefined,
      ]);
      expect(seen[0]?.requestId).toBe(res.headers['x-request-id']);
    } finally {
      await app.close();
    }
  });
});
