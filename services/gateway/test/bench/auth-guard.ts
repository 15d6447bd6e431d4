/**
 * What the auth guard costs per request with a cached key (decision 0022; target ≤ 0.2 ms p50):
 * (1) the guard's own work alone — credential parsing, SHA-256, admin-token compare, cache
 * lookup and the policy — and (2) whole requests through the gateway (Fastify inject, in-memory
 * backends) with HUEDB_AUTH off and on, interleaved (off, on, on, off, …: both see the same
 * machine load, JIT state and GC), whose difference of p50s is the guard as a request sees it.
 * Prints p50/p99 in ms; with --json, one JSON line instead (what
 * `make bench` runs, bench/src/auth-overhead.ts).
 *
 *   node --conditions=@huedb/source --import tsx services/gateway/test/bench/auth-guard.ts [--requests 5000] [--json]
 */
import { parseArgs } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { PRO_LIMITS } from '@huedb/core';
import { inProcessClient } from '@huedb/grpc';
import { ControlService, KeyRole } from '@huedb/proto/control';
import { createGatewayApp } from '../../src/app.js';
import { ApiKeyAuthenticator } from '../../src/auth/api-key.authenticator.js';
import { actionOf, authorize } from '../../src/auth/policy.js';
import { fakeBackends, partialHandlers } from '../../src/backends/fake-backends.js';
import { loadGatewayConfig } from '../../src/config.js';
import { fixedPlans } from '../../src/plans/tenant-plans.js';
import { percentiles, show, timedOnce } from './series.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    json: { type: 'boolean', default: false },
  },
});
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

const auth = new ApiKeyAuthenticator(control, { adminToken: 'x'.repeat(40) });
await auth.start();
const request = { headers: { 'x-chroma-token': KEY } } as unknown as FastifyRequest;
const guardOnce = async () => {
  const principal = await auth.authenticate(request);
  authorize(principal, actionOf('GET', ROUTE), { tenant: 'default_tenant', database: null });
};
for (let i = 0; i < Math.min(500, n); i++) await guardOnce(); // warm-up (JIT, cache)
const guard: number[] = [];
for (let i = 0; i < n; i++) guard.push(await timedOnce(guardOnce));

/** A gateway app with HUEDB_AUTH off or on, and one GET of a tenant through it. */
async function gateway(withAuth: boolean) {
  const config = { ...loadGatewayConfig({}), auth: withAuth };
  const app = await createGatewayApp(
    fakeBackends(),
    config,
    fixedPlans(PRO_LIMITS),
    withAuth ? { authenticator: auth } : {},
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const headers = withAuth ? { 'x-chroma-token': KEY } : {};
  const get = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v2/tenants/default_tenant', headers });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  };
  return { app, get };
}
const off = await gateway(false);
const on = await gateway(true);
for (let i = 0; i < Math.min(500, n); i++) await Promise.all([off.get(), on.get()]);
const offSamples: number[] = [];
const onSamples: number[] = [];
for (let i = 0; i < n; i++) {
  // Alternate which goes first, so neither always runs right after the other's garbage.
  const [first, second] = i % 2 === 0 ? [off, on] : [on, off];
  const a = await timedOnce(first.get);
  const b = await timedOnce(second.get);
  (first === off ? offSamples : onSamples).push(a);
  (second === off ? offSamples : onSamples).push(b);
}
await off.app.close();
await on.app.close();
await auth.close();

const authOff = percentiles(offSamples);
const authOn = percentiles(onSamples);
// The JSON line's shape is bench/src/auth-overhead.ts's AuthOverhead (the bench reads it).
const result = {
  requests: n,
  guardAlone: percentiles(guard),
  authOff,
  authOn,
  overheadP50Ms: authOn.p50Ms - authOff.p50Ms,
  ratioP50: authOn.p50Ms / authOff.p50Ms,
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`guard alone (cached key):        ${show(result.guardAlone)}`);
  console.log(`GET tenant, HUEDB_AUTH off:      ${show(authOff)}`);
  console.log(`GET tenant, HUEDB_AUTH on (key): ${show(authOn)}`);
  console.log(
    `overhead (p50 on − off):         ${result.overheadP50Ms.toFixed(4)} ms (×${result.ratioP50.toFixed(3)})`,
  );
}
