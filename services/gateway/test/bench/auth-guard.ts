/**
 * What the auth guard costs per request with a cached key (decision 0022; target ≤ 0.2 ms p50):
 * (1) the guard's own work alone — credential parsing, SHA-256, admin-token compare, cache
 * lookup and the policy — and (2) whole requests through the gateway (Fastify inject, in-memory
 * backends) with HUEDB_AUTH off and on, whose difference is the guard as a request sees it.
 * Prints p50/p99 in ms.
 *
 *   node --conditions=@huedb/source --import tsx services/gateway/test/bench/auth-guard.ts [--requests 5000]
 */
import { parseArgs } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { HOSTED_LIMITS } from '@huedb/core';
import { inProcessClient } from '@huedb/grpc';
import { ControlService, KeyRole } from '@huedb/proto/control';
import { createGatewayApp } from '../../src/app.js';
import { ApiKeyAuthenticator } from '../../src/auth/api-key.authenticator.js';
import { actionOf, authorize } from '../../src/auth/policy.js';
import { fakeBackends, partialHandlers } from '../../src/backends/fake-backends.js';
import { loadGatewayConfig } from '../../src/config.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '5000' } } });
const n = Number(values.requests);
const KEY = `hdb_${'a'.repeat(16)}_${'S'.repeat(43)}`;
const ROUTE = '/api/v2/tenants/:tenant';

const control = inProcessClient(
  ControlService,
  partialHandlers(ControlService, {
    resolveApiKey: () =>
      Promise.resolve({
        keyId: 'a'.repeat(16),
        tenant: 'default_tenant',
        databases: [],
        role: KeyRole.READ,
        keysVersion: 1n,
      }),
    keysVersion: () => Promise.resolve({ version: 1n }),
    listKeyChanges: () => Promise.resolve({ version: 1n, keyIds: [], flush: false }),
    touchApiKeys: () => Promise.resolve({ updated: 0 }),
  }),
);

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5).toFixed(4)} ms, p99 ${at(0.99).toFixed(4)} ms`;
}

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(500, n); i++) await fn(); // warm-up (JIT, cache)
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

const auth = new ApiKeyAuthenticator(control, { adminToken: 'x'.repeat(40) });
await auth.start();
const request = { headers: { 'x-chroma-token': KEY } } as unknown as FastifyRequest;
const guard = await timed(async () => {
  const principal = await auth.authenticate(request);
  authorize(principal, actionOf('GET', ROUTE), { tenant: 'default_tenant', database: null });
});
console.log(`guard alone (cached key):        ${summary(guard)}`);

async function requests(withAuth: boolean): Promise<number[]> {
  const config = { ...loadGatewayConfig({}), auth: withAuth };
  const app = await createGatewayApp(
    fakeBackends(),
    config,
    HOSTED_LIMITS,
    withAuth ? { authenticator: auth } : {},
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const headers = withAuth ? { 'x-chroma-token': KEY } : {};
  const samples = await timed(async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v2/tenants/default_tenant', headers });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  });
  await app.close();
  return samples;
}
const off = await requests(false);
const on = await requests(true);
console.log(`GET tenant, HUEDB_AUTH off:      ${summary(off)}`);
console.log(`GET tenant, HUEDB_AUTH on (key): ${summary(on)}`);
const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
console.log(`difference of the p50s:          ${(median(on) - median(off)).toFixed(4)} ms`);
await auth.close();
