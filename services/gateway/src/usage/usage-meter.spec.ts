import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { Code, RpcError } from '@huedb/grpc';
import { RecordUsageResponseSchema } from '@huedb/proto/control';
import { UsageMeter } from './usage-meter.js';

/** A control plane that applies each (reporter, sequence) once, or fails while `down`. */
function fakeControl() {
  const applied = new Map<string, number>();
  const seen = new Set<string>();
  const calls: bigint[] = [];
  const state = { down: false, loseAnswer: false };
  return {
    applied,
    calls,
    state,
    client: {
      recordUsage: (req: {
        reporter?: string;
        sequence?: bigint;
        entries?: { tenant?: string; metric?: string; value?: bigint }[];
      }) => {
        calls.push(req.sequence!);
        if (state.down) return Promise.reject(new RpcError(Code.UNAVAILABLE, 'down'));
        const id = `${req.reporter} ${req.sequence}`;
        const fresh = !seen.has(id);
        if (fresh) {
          seen.add(id);
          for (const e of req.entries ?? []) {
            const key = `${e.tenant} ${e.metric}`;
            applied.set(key, (applied.get(key) ?? 0) + Number(e.value));
          }
        }
        // Applied, but the answer never arrives (a timeout after the commit).
        if (state.loseAnswer) return Promise.reject(new RpcError(Code.DEADLINE_EXCEEDED, 'lost'));
        return Promise.resolve(create(RecordUsageResponseSchema, { applied: fresh }));
      },
    },
  };
}

describe('UsageMeter', () => {
  it('sums per tenant and metric and reports them in one numbered report', async () => {
    const control = fakeControl();
    const meter = new UsageMeter(control.client, undefined, 60_000);
    meter.count('t1', 'queries', 3);
    meter.count('t1', 'queries', 2);
    meter.count('t2', 'requests');
    meter.count('t2', 'records_returned', 0);
    await meter.flush();
    expect(Object.fromEntries(control.applied)).toEqual({ 't1 queries': 5, 't2 requests': 1 });
    expect(control.calls).toEqual([1n]);
    // Nothing new: nothing sent.
    await meter.flush();
    expect(control.calls).toEqual([1n]);
    await meter.onApplicationShutdown();
  });

  it('retries a report with the same number until it lands, so a lost answer is not counted twice', async () => {
    const control = fakeControl();
    const meter = new UsageMeter(control.client, undefined, 60_000);
    meter.count('t', 'queries', 4);
    control.state.loseAnswer = true;
    await meter.flush();
    // Counted meanwhile: waits for the next report, not merged into the owed one.
    meter.count('t', 'queries', 1);
    control.state.loseAnswer = false;
    control.state.down = true;
    await meter.flush();
    control.state.down = false;
    await meter.flush();
    expect(control.calls).toEqual([1n, 1n, 1n, 2n]);
    expect(control.applied.get('t queries')).toBe(5);
  });

  it('drops a report the control plane refuses as malformed, so later reports still go', async () => {
    const control = fakeControl();
    let refuse = true;
    const client = {
      recordUsage: (req: Parameters<typeof control.client.recordUsage>[0]) =>
        refuse
          ? Promise.reject(new RpcError(Code.INVALID_ARGUMENT, 'bad'))
          : control.client.recordUsage(req),
    };
    const meter = new UsageMeter(client, undefined, 60_000);
    meter.count('t', 'queries', 1);
    await meter.flush();
    refuse = false;
    meter.count('t', 'queries', 2);
    // Names no tenant has are not kept at all.
    meter.count('', 'queries', 5);
    meter.count('a\u0000b', 'queries', 5);
    meter.count('x'.repeat(513), 'queries', 5);
    await meter.flush();
    expect(control.calls).toEqual([2n]);
    expect(Object.fromEntries(control.applied)).toEqual({ 't queries': 2 });
    await meter.onApplicationShutdown();
  });

  it('reports what is left when the app shuts down', async () => {
    const control = fakeControl();
    const meter = new UsageMeter(control.client, undefined, 60_000);
    meter.count('t', 'records_returned', 7);
    await meter.onApplicationShutdown();
    expect(control.applied.get('t records_returned')).toBe(7);
  });

  it('shares one attempt between concurrent flushes', async () => {
    const control = fakeControl();
    const meter = new UsageMeter(control.client, undefined, 60_000);
    meter.count('t', 'requests');
    await Promise.all([meter.flush(), meter.flush(), meter.flush()]);
    expect(control.calls).toEqual([1n]);
    await meter.onApplicationShutdown();
  });
});
