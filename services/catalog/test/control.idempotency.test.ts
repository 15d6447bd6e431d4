import { Code } from '@huedb/grpc';
import { BeginIdempotentWriteResponse_Outcome as Outcome } from '@huedb/proto/control';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

/**
 * Idempotency keys of writes in the control plane (docs/decisions/0031-idempotent-writes.md):
 * one holder at a time, the finished answer replayed, another request under the same key refused,
 * a dead holder's key taken over once its lease runs out, a failed write's key released.
 */
describe.each(DRIVER_KINDS)('control plane idempotency keys on %s', (kind) => {
  const { control, fresh } = useTestCatalog(kind, 'control_idempotency');
  const MINUTE = 60_000n;

  const begin = (tenant: string, key: string, fingerprint = 'f1', leaseMs = MINUTE) =>
    control.beginIdempotentWrite({ tenant, key, fingerprint, leaseMs, ttlMs: MINUTE });
  const finish = (tenant: string, key: string, status?: number, body = '', fingerprint = 'f1') =>
    control.finishIdempotentWrite({ tenant, key, fingerprint, status, body, ttlMs: MINUTE });

  it('starts a new key once; its retries wait while it runs and get its answer after', async () => {
    const tenant = fresh('tenant');
    expect(await begin(tenant, 'k')).toMatchObject({ outcome: Outcome.STARTED });
    expect(await begin(tenant, 'k')).toMatchObject({ outcome: Outcome.IN_PROGRESS });
    expect(await finish(tenant, 'k', 200, '{"deleted":3}')).toMatchObject({ finished: true });
    for (let i = 0; i < 2; i++) {
      expect(await begin(tenant, 'k')).toMatchObject({
        outcome: Outcome.REPLAY,
        status: 200,
        body: '{"deleted":3}',
      });
    }
    // A second finish is not that request's any more.
    expect(await finish(tenant, 'k', 200, '{}')).toMatchObject({ finished: false });
  });

  it('refuses the key for another request, and keeps keys apart per tenant', async () => {
    const tenant = fresh('tenant');
    const other = fresh('tenant');
    await begin(tenant, 'shared');
    expect(await begin(tenant, 'shared', 'f2')).toMatchObject({ outcome: Outcome.MISMATCH });
    await finish(tenant, 'shared', 201, '{}');
    expect(await begin(tenant, 'shared', 'f2')).toMatchObject({ outcome: Outcome.MISMATCH });
    expect(await begin(other, 'shared', 'f2')).toMatchObject({ outcome: Outcome.STARTED });
  });

  it('lets exactly one of many racing requests start a key', async () => {
    const tenant = fresh('tenant');
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => begin(tenant, 'race')));
    const started = outcomes.filter((o) => o.outcome === Outcome.STARTED);
    expect(started).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === Outcome.IN_PROGRESS)).toHaveLength(11);
  });

  it('releases a failed write so a retry runs it, and lets a retry take over a dead holder', async () => {
    const tenant = fresh('tenant');
    await begin(tenant, 'failed');
    expect(await finish(tenant, 'failed')).toMatchObject({ finished: true });
    expect(await begin(tenant, 'failed')).toMatchObject({ outcome: Outcome.STARTED });

    // A holder whose lease ran out without an answer (its gateway died): the retry runs it, and
    // the dead holder's late finish is refused.
    await begin(tenant, 'orphan', 'f1', 1n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await begin(tenant, 'orphan')).toMatchObject({ outcome: Outcome.STARTED });
    expect(await finish(tenant, 'orphan', 200, '{}', 'f0')).toMatchObject({ finished: false });
    expect(await finish(tenant, 'orphan', 200, '{"n":1}')).toMatchObject({ finished: true });
    expect(await begin(tenant, 'orphan')).toMatchObject({ body: '{"n":1}' });
  });

  it('forgets an answer once it expires: the key is free again', async () => {
    const tenant = fresh('tenant');
    await control.beginIdempotentWrite({
      tenant,
      key: 'short',
      fingerprint: 'f1',
      leaseMs: MINUTE,
      ttlMs: 1n,
    });
    await control.finishIdempotentWrite({
      tenant,
      key: 'short',
      fingerprint: 'f1',
      status: 200,
      body: '{}',
      ttlMs: 1n,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await begin(tenant, 'short', 'f2')).toMatchObject({ outcome: Outcome.STARTED });
  });

  it('refuses malformed calls whole', async () => {
    const tenant = fresh('tenant');
    await expectCode(begin(tenant, ''), Code.INVALID_ARGUMENT, /key must not be empty/);
    await expectCode(begin(tenant, 'x'.repeat(256)), Code.INVALID_ARGUMENT, /at most 255/);
    await expectCode(begin(tenant, 'k', 'f1', 0n), Code.INVALID_ARGUMENT, /lease_ms/);
    await begin(tenant, 'k');
    await expectCode(finish(tenant, 'k', 500, '{}'), Code.INVALID_ARGUMENT, /only a success/);
    await expectCode(
      finish(tenant, 'k', 200, 'x'.repeat(70_000)),
      Code.INVALID_ARGUMENT,
      /at most 65536 bytes/,
    );
    // Still held by the first begin: nothing above changed it.
    expect(await begin(tenant, 'k')).toMatchObject({ outcome: Outcome.IN_PROGRESS });
  });
});
