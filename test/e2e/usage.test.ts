import { describe, expect, it } from 'vitest';
import { getAdminToken, getCompactionMode, getGatewayUrls } from '@huedb/testing';
import { caller, expectUsage, runWorkload, type UsageTarget } from './usage-workload.js';

/*
 * Usage metering on the project's deployment (docs/decisions/0030-usage-metering.md): a scripted
 * workload across the gateways is metered exactly — a retried add not at all — and served as
 * JSON and CSV; Prometheus gets the same counts without a tenant label. Writes are metered by
 * compactions: on the cluster without a compactor only the gateways' counts are checked.
 * (usage-restart.test.ts checks the totals across a restart.)
 */
describe('usage metering', () => {
  const target = (): UsageTarget => ({ urls: getGatewayUrls(), token: getAdminToken() });

  it('meters a scripted workload exactly, a retried add not twice', async () => {
    const compacting = getCompactionMode() === 'aggressive';
    const expected = await runWorkload(target());
    await expectUsage(target(), expected, { compacting });
  });

  it('serves the same figures as CSV, and refuses malformed ranges with 400', async () => {
    const expected = await runWorkload(target());
    await expectUsage(target(), expected, { compacting: false });
    const call = caller(target());
    const route = `/api/v2/tenants/${expected.tenant}/usage`;
    const csv = await call('GET', `${route}?format=csv&granularity=day`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-/);
    const [header, ...rows] = csv.text.trimEnd().split('\r\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 4)).toEqual(['start', 'requests', 'queries', 'records_returned']);
    const sum = (column: string) =>
      rows.reduce((n, row) => n + Number(row.split(',')[columns.indexOf(column)]), 0);
    expect(sum('queries')).toBe(expected.queries);
    expect(sum('requests')).toBe(expected.requests);
    for (const query of ['from=yesterday', 'granularity=minute', 'format=xml', 'from=0']) {
      const bad = await call('GET', `${route}?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body).toMatchObject({ error: 'InvalidArgumentError' });
    }
    expect((await call('GET', '/api/v2/tenants/no-such-tenant-usage/usage')).status).toBe(404);
  });

  it('exports the counts to Prometheus by metric only, never by tenant', async () => {
    await runWorkload(target());
    const text = await (await fetch(`${getGatewayUrls()[0]}/metrics`)).text();
    const lines = text.split('\n').filter((line) => line.startsWith('huedb_usage_total'));
    expect(lines.some((line) => line.startsWith('huedb_usage_total{metric="queries"}'))).toBe(true);
    for (const line of lines) expect(line).toMatch(/^huedb_usage_total\{metric="[a-z_]+"\} \d+/);
  });
});
