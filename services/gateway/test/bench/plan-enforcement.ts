/**
 * What plan enforcement and usage metering cost a request (decisions 0029, 0030; target
 * ≤ 0.2 ms p50): whole requests through the gateway (Fastify inject, in-memory backends and
 * control plane) under the `unlimited` plan with metering off (HUEDB_USAGE_METERING=false: no
 * plan lookup, no rate, no counts) and under `pro` resolved per tenant with metering on (the
 * plan guard's cached lookup, a request from the shared rate's lease, the RateLimit fields, the
 * request limits, for adds the records-per-collection check, and the meter's counts), interleaved (both see the same machine load, JIT state and GC). The difference of p50s is the
 * enforcement as a request sees it, for a query and for an add of one record.
 * Prints p50/p99 in ms; with --json, one JSON line instead (what `make bench` runs,
 * bench/src/plan-overhead.ts).
 *
 *   node --conditions=@huedb/source --import tsx services/gateway/test/bench/plan-enforcement.ts [--requests 3000] [--json]
 */
import { parseArgs } from 'node:util';
import { PRO_LIMITS, UNLIMITED_LIMITS } from '@huedb/core';
import { inProcessClient } from '@huedb/grpc';
import { ControlService } from '@huedb/proto/control';
import { createGatewayApp } from '../../src/app.js';
import {
  FakeBackendState,
  fakeBackends,
  partialHandlers,
} from '../../src/backends/fake-backends.js';
import { loadGatewayConfig } from '../../src/config.js';
import { PlanBook } from '../../src/plans/plan-book.js';
import { fixedPlans, type Plans } from '../../src/plans/tenant-plans.js';
import { percentiles, show, timedOnce } from './series.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    json: { type: 'boolean', default: false },
  },
});
const n = Number(values.requests);

/** A control plane that stores no plan (the default applies) and never runs out of points. */
const control = inProcessClient(
  ControlService,
  partialHandlers(ControlService, {
    getTenantPlan: ({ tenant }) =>
      Promise.resolve({ plan: { tenant, plan: '', limitOverridesJson: '{}', updatedAtMs: 0n } }),
    consumeRateLimit: () =>
      Promise.resolve({ allowed: true, remaining: 1000, retryAfterMs: 0n, resetAfterMs: 50n }),
    recordUsage: () => Promise.resolve({ applied: true }),
  }),
);

/** A gateway under `plans`, and one query and one add through it. */
async function gateway(plans: Plans, usageMetering: boolean) {
  const state = new FakeBackendState();
  const id = state.addCollection('bench', { dimension: 2 });
  const app = await createGatewayApp(
    { ...fakeBackends(state), control },
    { ...loadGatewayConfig({}), auth: false, usageMetering },
    plans,
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const base = `/api/v2/tenants/default_tenant/databases/default_database/collections/${id}`;
  let next = 0;
  const send = async (url: string, payload: object, status: number) => {
    const res = await app.inject({ method: 'POST', url, payload });
    if (res.statusCode !== status) throw new Error(`${res.statusCode} ${res.body}`);
  };
  return {
    app,
    query: () => send(`${base}/query`, { query_embeddings: [[1, 2]], n_results: 10 }, 200),
    add: () => send(`${base}/add`, { ids: [`r${next++}`], embeddings: [[1, 2]] }, 201),
  };
}

const off = await gateway(fixedPlans(UNLIMITED_LIMITS), false);
const on = await gateway(
  { book: PlanBook.load().with('bench', PRO_LIMITS), defaultPlan: 'bench' },
  true,
);

async function compare(op: 'query' | 'add') {
  for (let i = 0; i < Math.min(300, n); i++) await Promise.all([off[op](), on[op]()]);
  const offSamples: number[] = [];
  const onSamples: number[] = [];
  for (let i = 0; i < n; i++) {
    // Alternate which goes first, so neither always runs right after the other's garbage.
    const [first, second] = i % 2 === 0 ? [off, on] : [on, off];
    const a = await timedOnce(first[op]);
    const b = await timedOnce(second[op]);
    (first === off ? offSamples : onSamples).push(a);
    (second === off ? offSamples : onSamples).push(b);
  }
  const unlimited = percentiles(offSamples);
  const enforced = percentiles(onSamples);
  return {
    unlimited,
    enforced,
    overheadP50Ms: enforced.p50Ms - unlimited.p50Ms,
    ratioP50: enforced.p50Ms / unlimited.p50Ms,
  };
}

const query = await compare('query');
const add = await compare('add');
await off.app.close();
await on.app.close();

// The JSON line's shape is bench/src/plan-overhead.ts's PlanOverhead (the bench reads it).
const result = { requests: n, query, add };
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  for (const [name, r] of Object.entries({ query, add })) {
    console.log(`${name}, unlimited, no metering: ${show(r.unlimited)}`);
    console.log(`${name}, pro + metering:        ${show(r.enforced)}`);
    console.log(
      `${name} overhead (p50):    ${r.overheadP50Ms.toFixed(4)} ms (×${r.ratioP50.toFixed(3)})`,
    );
  }
}
