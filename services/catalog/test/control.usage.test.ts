import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

const HOUR = 3_600_000n;
const hourOf = (ms: number) => BigInt(ms) - (BigInt(ms) % HOUR);

/**
 * Usage metering in the control plane (docs/decisions/0030-usage-metering.md): numbered reports
 * applied once, compactions metered in their registration (once per log range, nothing for a
 * lost CAS), stored sizes per collection and as the tenant's gauges.
 */
describe.each(DRIVER_KINDS)('control plane usage metering on %s', (kind) => {
  const { client, control, scope, fresh } = useTestCatalog(kind, 'control_usage');

  const totals = async (tenant: string) => {
    const now = Date.now();
    const usage = await control.getUsage({
      tenant,
      fromMs: hourOf(now) - 2n * HOUR,
      toMs: BigInt(now) + HOUR,
    });
    const sums: Record<string, bigint> = {};
    for (const e of usage.entries) sums[e.metric] = (sums[e.metric] ?? 0n) + e.value;
    return { sums, usage };
  };

  it('adds a numbered report once: a retry of the same number, or an older one, changes nothing', async () => {
    const { tenant } = await scope();
    const reporter = fresh('gateway');
    const hourStartMs = hourOf(Date.now());
    const report = (sequence: bigint, value: bigint) =>
      control.recordUsage({
        reporter,
        sequence,
        entries: [
          { tenant, hourStartMs, metric: 'queries', value },
          { tenant, hourStartMs, metric: 'queries', value: 1n },
          { tenant, hourStartMs: hourStartMs - HOUR, metric: 'requests', value: 2n },
        ],
      });
    expect(await report(1n, 5n)).toMatchObject({ applied: true });
    expect(await report(1n, 5n)).toMatchObject({ applied: false });
    expect(await report(2n, 10n)).toMatchObject({ applied: true });
    expect(await report(1n, 100n)).toMatchObject({ applied: false });
    const { sums, usage } = await totals(tenant);
    expect(sums).toEqual({ queries: 17n, requests: 4n });
    // Rows by hour: the earlier hour's requests first.
    expect(usage.entries.map((e) => [e.hourStartMs - hourStartMs, e.metric])).toEqual([
      [-HOUR, 'requests'],
      [0n, 'queries'],
    ]);
    // Another reporter's sequence 1 is its own.
    await control.recordUsage({
      reporter: fresh('gateway'),
      sequence: 1n,
      entries: [{ tenant, hourStartMs, metric: 'queries', value: 3n }],
    });
    expect((await totals(tenant)).sums.queries).toBe(20n);
  });

  it('refuses malformed reports whole, counting nothing', async () => {
    const { tenant } = await scope();
    const hourStartMs = hourOf(Date.now());
    const entry = { tenant, hourStartMs, metric: 'queries', value: 1n };
    for (const bad of [
      { reporter: '', sequence: 1n, entries: [entry] },
      { reporter: fresh('r'), sequence: 0n, entries: [entry] },
      { reporter: fresh('r'), sequence: 1n, entries: [entry, { ...entry, value: -1n }] },
      { reporter: fresh('r'), sequence: 1n, entries: [{ ...entry, metric: 'stored_bytes' }] },
    ]) {
      await expectCode(control.recordUsage(bad), Code.INVALID_ARGUMENT);
    }
    expect((await totals(tenant)).sums).toEqual({});
    await expectCode(
      control.getUsage({ tenant: fresh('nobody'), fromMs: 0n, toMs: 1n }),
      Code.NOT_FOUND,
    );
    await expectCode(control.getUsage({ tenant, fromMs: 10n, toMs: 5n }), Code.INVALID_ARGUMENT);
  });

  it('skips amounts of tenants that do not exist and applies the rest of the report', async () => {
    const { tenant } = await scope();
    const hourStartMs = hourOf(Date.now());
    const entry = { tenant, hourStartMs, metric: 'requests', value: 2n };
    const answer = await control.recordUsage({
      reporter: fresh('gateway'),
      sequence: 1n,
      entries: [entry, { ...entry, tenant: '' }, { ...entry, tenant: fresh('made-up') }],
    });
    expect(answer.applied).toBe(true);
    expect((await totals(tenant)).sums).toEqual({ requests: 2n });
  });

  it('meters a compaction with its registration, once; a lost CAS meters nothing', async () => {
    const s = await scope();
    const { collection } = await client.createCollection({ ...s, name: 'metered' });
    const id = collection!.id;
    const usage = {
      recordsWritten: 40n,
      recordsDeleted: 2n,
      bytesWritten: 4_000n,
      compactionMs: 12n,
      storedBytes: 9_000n,
    };
    const register = (expectedVersion: bigint, recordCount: bigint, storedBytes: bigint) =>
      client.registerCompaction({
        collectionId: id,
        expectedVersion,
        logPosition: 10n + expectedVersion,
        manifestKey: `k/v${expectedVersion + 1n}/manifest.json`,
        recordCount,
        recordsCompacted: 42n,
        usage: { ...usage, storedBytes },
      });
    await register(0n, 38n, 9_000n);
    // A second compactor raced from version 0 and lost: nothing of its work is metered.
    await expectCode(register(0n, 38n, 9_000n), Code.FAILED_PRECONDITION);
    let { sums, usage: answer } = await totals(s.tenant);
    expect(sums).toMatchObject({
      records_written: 40n,
      records_deleted: 2n,
      bytes_written: 4_000n,
      compaction_ms: 12n,
      stored_records: 38n,
      stored_bytes: 9_000n,
    });
    expect(answer.collections).toEqual([
      expect.objectContaining({
        collectionId: id,
        name: 'metered',
        database: s.database,
        records: 38n,
        bytes: 9_000n,
      }),
    ]);
    // The next version: counters add up, the gauges are the hour's latest reading.
    await register(1n, 30n, 7_000n);
    ({ sums, usage: answer } = await totals(s.tenant));
    expect(sums).toMatchObject({
      records_written: 80n,
      stored_records: 30n,
      stored_bytes: 7_000n,
    });
    // A deleted collection no longer counts as stored.
    await client.deleteCollection({ ...s, name: 'metered' });
    expect((await totals(s.tenant)).usage.collections).toEqual([]);
  });

  it('refuses negative usage in a registration, registering nothing', async () => {
    const s = await scope();
    const { collection } = await client.createCollection({ ...s, name: 'negative' });
    await expectCode(
      client.registerCompaction({
        collectionId: collection!.id,
        expectedVersion: 0n,
        logPosition: 1n,
        manifestKey: 'k/manifest.json',
        recordCount: 1n,
        usage: { recordsWritten: -1n },
      }),
      Code.INVALID_ARGUMENT,
    );
    expect((await totals(s.tenant)).sums).toEqual({});
  });

  it('answers the latest gauge reading before the range, for a series to start from', async () => {
    const s = await scope();
    const { collection } = await client.createCollection({ ...s, name: 'before' });
    await client.registerCompaction({
      collectionId: collection!.id,
      expectedVersion: 0n,
      logPosition: 1n,
      manifestKey: 'k/manifest.json',
      recordCount: 3n,
      usage: { storedBytes: 300n },
    });
    const next = hourOf(Date.now()) + HOUR;
    const later = await control.getUsage({ tenant: s.tenant, fromMs: next, toMs: next + HOUR });
    expect(later.entries).toEqual([]);
    expect(Object.fromEntries(later.gaugesBefore.map((g) => [g.metric, g.value]))).toEqual({
      stored_records: 3n,
      stored_bytes: 300n,
    });
  });
});
