import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInfra, LocalCluster, SingleNodeProcess, type Role } from '@huedb/testing';

/** Metric names every service must expose, beyond Node's runtime metrics. */
const EXPECTED: Record<Role, string[]> = {
  catalog: [],
  log: [
    'huedb_wal_append_seconds_count',
    'huedb_wal_pull_seconds_count',
    'huedb_wal_tail_records',
    'huedb_wal_oldest_tail_seconds',
  ],
  query: [
    'huedb_segment_cache_lookups_total',
    'huedb_segment_cache_segments',
    'huedb_segment_cache_bytes',
    'huedb_segment_cache_evictions_total',
    'huedb_query_seconds_count',
    'huedb_query_tail_records_count',
  ],
  compactor: [
    'huedb_compaction_duration_seconds_count',
    'huedb_compaction_lag_seconds',
    'huedb_compaction_due_collections',
    'huedb_membership_members',
  ],
  gateway: [],
};
const RUNTIME = [
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
];

/**
 * Every service of a running cluster answers GET /metrics in Prometheus' text format, with Node's
 * runtime metrics and its own (WAL latency and tails, compaction lag and duration, segment cache).
 */
describe('/metrics on every service', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await LocalCluster.start({
      infra: getInfra(),
      gateways: 1,
      queryNodes: 1,
      compactors: 1,
      env: {
        // One byte: every segment opened evicts the one before, so evictions move.
        query: { HUEDB_SEGMENT_CACHE_BYTES: '1' },
        compactor: {
          HUEDB_COMPACTION_MIN_RECORDS: '1',
          HUEDB_COMPACTION_MAX_AGE_MS: '0',
          HUEDB_COMPACTION_POLL_MS: '100',
        },
      },
    });
    // One write and one read, so append/pull/compaction histograms have observations.
    const base = `${cluster.gatewayUrls[0]}/api/v2/tenants/default_tenant/databases/default_database`;
    const created = await fetch(`${base}/collections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cluster.authHeaders },
      body: JSON.stringify({ name: 'metrics' }),
    });
    const { id } = (await created.json()) as { id: string };
    const added = await fetch(`${base}/collections/${id}/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cluster.authHeaders },
      body: JSON.stringify({ ids: ['a'], embeddings: [[1, 2, 3]] }),
    });
    expect(added.status).toBe(201);
    const counted = await fetch(`${base}/collections/${id}/count`, {
      headers: cluster.authHeaders,
    });
    expect(await counted.json()).toBe(1);
    collectionsBase = base;
    ids.push(id);
  });
  let collectionsBase = '';
  const ids: string[] = [];

  afterAll(async () => {
    await cluster?.stop();
  });

  const scrape = async (role: Role) => {
    const response = await fetch(cluster.metricsUrl(role, 0));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  for (const role of Object.keys(EXPECTED) as Role[]) {
    it(`${role} exposes runtime and its own metrics`, async () => {
      const names = [...RUNTIME, ...EXPECTED[role]];
      // Compaction runs on the compactor's schedule: poll until its first one is recorded.
      const deadline = Date.now() + 30_000;
      let body = await scrape(role);
      while (
        names.some((n) => !new RegExp(`^${n}(\\{| )`, 'm').test(body)) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        body = await scrape(role);
      }
      for (const name of names) expect(body).toMatch(new RegExp(`^${name}(\\{| )`, 'm'));
    });
  }

  /** The value of the series of `name` whose labels contain `labels` ('' for none), or undefined. */
  const valueOf = (body: string, name: string, labels = '') => {
    const line = body
      .split('\n')
      .find((l) => l.startsWith(`${name}${labels ? '{' : ' '}`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const until = async (role: Role, holds: (body: string) => boolean) => {
    const deadline = Date.now() + 30_000;
    let body = await scrape(role);
    while (!holds(body) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      body = await scrape(role);
    }
    return body;
  };

  it('query latency by operation and tail records per read move with reads', async () => {
    const before = await scrape('query');
    const count = (b: string) =>
      valueOf(b, 'huedb_query_seconds_count', 'operation="count",outcome="ok"') ?? 0;
    const tails = (b: string) => valueOf(b, 'huedb_query_tail_records_count') ?? 0;
    const read = await fetch(`${collectionsBase}/collections/${ids[0]}/count`, {
      headers: cluster.authHeaders,
    });
    expect(read.status).toBe(200);
    const after = await scrape('query');
    expect(count(after)).toBeGreaterThan(count(before));
    expect(tails(after)).toBeGreaterThan(tails(before));
    const got = await fetch(`${collectionsBase}/collections/${ids[0]}/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cluster.authHeaders },
      body: '{}',
    });
    expect(got.status).toBe(200);
    expect(
      valueOf(await scrape('query'), 'huedb_query_seconds_count', 'operation="get",outcome="ok"'),
    ).toBeGreaterThan(0);
  });

  it('the segment cache reports open segments, their bytes and evictions', async () => {
    // A second compacted collection: opening its segment evicts the first (1-byte budget).
    const created = await fetch(`${collectionsBase}/collections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cluster.authHeaders },
      body: JSON.stringify({ name: 'metrics-2' }),
    });
    const { id } = (await created.json()) as { id: string };
    ids.push(id);
    await fetch(`${collectionsBase}/collections/${id}/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cluster.authHeaders },
      body: JSON.stringify({ ids: ['b'], embeddings: [[1, 2, 3]] }),
    });
    // Reads open each collection's segment once its compaction is registered.
    const deadline = Date.now() + 30_000;
    let body = await scrape('query');
    while ((valueOf(body, 'huedb_segment_cache_evictions_total') ?? 0) === 0) {
      if (Date.now() > deadline) break;
      for (const c of ids)
        await fetch(`${collectionsBase}/collections/${c}/count`, { headers: cluster.authHeaders });
      await new Promise((resolve) => setTimeout(resolve, 200));
      body = await scrape('query');
    }
    expect(valueOf(body, 'huedb_segment_cache_evictions_total')).toBeGreaterThan(0);
    expect(valueOf(body, 'huedb_segment_cache_segments')).toBe(1);
    expect(valueOf(body, 'huedb_segment_cache_bytes')).toBeGreaterThan(0);
    expect(valueOf(body, 'huedb_segment_cache_lookups_total', 'result="miss"')).toBeGreaterThan(1);
  });

  it('the compactor counts the live compactors in its ring', async () => {
    const body = await until(
      'compactor',
      (b) => valueOf(b, 'huedb_membership_members', 'role="compactor"') === 1,
    );
    expect(valueOf(body, 'huedb_membership_members', 'role="compactor"')).toBe(1);
  });

  it('the compactor has compacted and the log has served pulls', async () => {
    const deadline = Date.now() + 30_000;
    const compacted = () =>
      scrape('compactor').then((b) => /^huedb_compaction_records_total [1-9]/m.test(b));
    while (!(await compacted()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await scrape('compactor')).toMatch(/^huedb_compaction_records_total [1-9]/m);
    expect(await scrape('log')).toMatch(/^huedb_wal_append_seconds_count\{outcome="ok"\} [1-9]/m);
  });
});

describe('/metrics on single-node', () => {
  it("serves every service's metrics from one process on the API port", async () => {
    const node = await SingleNodeProcess.start();
    try {
      const base = `${node.url}/api/v2/tenants/default_tenant/databases/default_database`;
      const created = await fetch(`${base}/collections`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'metrics' }),
      });
      const { id } = (await created.json()) as { id: string };
      const added = await fetch(`${base}/collections/${id}/add`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids: ['a'], embeddings: [[1, 2, 3]] }),
      });
      expect(added.status).toBe(201);
      // A read, so the query node's latency and tail histograms have an observation.
      expect(await (await fetch(`${base}/collections/${id}/count`)).json()).toBe(1);
      const response = await fetch(`${node.url}/metrics`);
      expect(response.status).toBe(200);
      const body = await response.text();
      for (const name of [
        ...RUNTIME,
        'huedb_wal_append_seconds_count',
        'huedb_wal_tail_records',
        'huedb_segment_cache_lookups_total',
        'huedb_segment_cache_segments',
        'huedb_segment_cache_bytes',
        'huedb_segment_cache_evictions_total',
        'huedb_query_seconds_count',
        'huedb_query_tail_records_count',
        'huedb_compaction_records_total',
      ]) {
        expect(body).toMatch(new RegExp(`^${name}(\\{| )`, 'm'));
      }
    } finally {
      await node.kill('SIGTERM');
    }
  });
});
