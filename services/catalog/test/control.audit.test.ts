import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { sqlState } from '../src/index.js';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

/** The audit log: appended and read over gRPC; its append-only rule enforced by the database. */
describe.each(DRIVER_KINDS)('control plane audit log on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_audit');
  const { control, fresh } = t;

  it('appends entries and reads them forward, per tenant or all', async () => {
    const tenant = fresh('tenant');
    const first = await control.appendAudit({
      actor: 'admin',
      action: 'api_key.create',
      targetKind: 'api_key',
      targetId: 'abcdefghijklmnop',
      tenant,
      requestId: 'req-1',
      detailsJson: '{"role":"read"}',
    });
    expect(first.entry).toMatchObject({
      actor: 'admin',
      action: 'api_key.create',
      tenant,
      requestId: 'req-1',
      detailsJson: '{"role": "read"}',
    });
    const second = await control.appendAudit({
      actor: 'system',
      action: 'tenant.create',
      targetKind: 'tenant',
      targetId: fresh('other'),
    });
    expect(second.entry!.seq).toBeGreaterThan(first.entry!.seq);
    expect(second.entry?.tenant).toBeUndefined();
    expect(second.entry?.detailsJson).toBe('');

    const mine = await control.listAudit({ tenant });
    expect(mine.entries.map((e) => e.seq)).toEqual([first.entry!.seq]);
    const after = await control.listAudit({ afterSeq: first.entry!.seq });
    expect(after.entries.map((e) => e.seq)).toEqual([second.entry!.seq]);
    expect((await control.listAudit({ limit: 1 })).entries).toHaveLength(1);
  });

  it('rejects malformed entries', async () => {
    const base = { actor: 'admin', action: 'x', targetKind: 'tenant', targetId: 't' };
    await expectCode(control.appendAudit({ ...base, actor: '' }), Code.INVALID_ARGUMENT);
    await expectCode(control.appendAudit({ ...base, action: '' }), Code.INVALID_ARGUMENT);
    await expectCode(control.appendAudit({ ...base, detailsJson: '[1]' }), Code.INVALID_ARGUMENT);
    await expectCode(control.appendAudit({ ...base, detailsJson: '{' }), Code.INVALID_ARGUMENT);
    await expectCode(control.listAudit({ limit: 1001 }), Code.INVALID_ARGUMENT);
  });

  it('refuses UPDATE, DELETE and TRUNCATE in SQL, whoever asks', async () => {
    const { entry } = await control.appendAudit({
      actor: 'admin',
      action: 'user.create',
      targetKind: 'user',
      targetId: fresh('u'),
    });
    const { driver } = t.catalog;
    for (const statement of [
      `UPDATE audit_log SET actor = 'someone else' WHERE seq = ${entry!.seq}`,
      `DELETE FROM audit_log WHERE seq = ${entry!.seq}`,
      `DELETE FROM audit_log`,
      `TRUNCATE audit_log`,
    ]) {
      const err = await driver.query(statement).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, statement).toBeDefined();
      expect(sqlState(err), statement).toBe('55000');
      expect(String((err as Error).message)).toMatch(/append-only/);
    }
    const [row] = await driver.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE seq = $1::int8`,
      [entry!.seq.toString()],
    );
    expect(row?.actor).toBe('admin');
  });
});
