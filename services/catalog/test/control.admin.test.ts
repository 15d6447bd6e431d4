import { Code } from '@huedb/grpc';
import { EmailTokenPurpose } from '@huedb/proto/control';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

/**
 * What the operator admin API and the repair of a half-finished signup need from the control
 * plane (docs/decisions/0025-admin-api.md): the audit log read newest first from a time, and a
 * verification token that may be replayed to finish provisioning.
 */
describe.each(DRIVER_KINDS)('control plane for the admin API on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_admin');
  const { control, fresh } = t;

  it('reads a tenant audit log newest first, before a time, limited', async () => {
    const tenant = fresh('tenant');
    const seqs: bigint[] = [];
    for (const action of ['a.one', 'a.two', 'a.three']) {
      const { entry } = await control.appendAudit({
        actor: 'admin',
        action,
        targetKind: 'tenant',
        targetId: tenant,
        tenant,
      });
      seqs.push(entry!.seq);
    }
    await control.appendAudit({ actor: 'admin', action: 'x', targetKind: 'tenant', targetId: 'o' });
    const newest = await control.listAudit({ tenant, newestFirst: true });
    expect(newest.entries.map((e) => e.seq)).toEqual([...seqs].reverse());
    expect(newest.entries.map((e) => e.action)).toEqual(['a.three', 'a.two', 'a.one']);
    const two = await control.listAudit({ tenant, newestFirst: true, limit: 2 });
    expect(two.entries.map((e) => e.seq)).toEqual([seqs[2], seqs[1]]);
    // before_ms: strictly earlier than the given time, by the entries' own at_ms.
    const last = newest.entries[0]!;
    const before = await control.listAudit({ tenant, newestFirst: true, beforeMs: last.atMs });
    expect(before.entries.every((e) => e.atMs < last.atMs)).toBe(true);
    const future = await control.listAudit({
      tenant,
      newestFirst: true,
      beforeMs: last.atMs + 1n,
    });
    expect(future.entries.map((e) => e.seq)).toContain(last.seq);
    expect((await control.listAudit({ tenant, beforeMs: 0n })).entries).toEqual([]);
    // Forward reading is unchanged.
    expect((await control.listAudit({ tenant })).entries.map((e) => e.seq)).toEqual(seqs);
  });

  it('orders by seq as a number, not as its text (9 before 10), both ways', async () => {
    const tenant = fresh('many');
    for (let i = 0; i < 12; i++) {
      await control.appendAudit({
        actor: 'admin',
        action: `n${i}`,
        targetKind: 't',
        tenant,
        targetId: '',
      });
    }
    const forward = (await control.listAudit({ tenant })).entries.map((e) => e.action);
    expect(forward).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
    const backward = (await control.listAudit({ tenant, newestFirst: true })).entries;
    expect(backward.map((e) => e.action)).toEqual([...forward].reverse());
    const { entries: all } = await control.listAudit({ newestFirst: true, limit: 1000 });
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
  });

  it('replays a redeemed verification token only when asked, and no other kind', async () => {
    const email = `${fresh('replay')}@example.com`;
    const { user } = await control.createUser({ email, password: 'correct horse battery' });
    const { token } = await control.issueEmailToken({
      purpose: EmailTokenPurpose.VERIFICATION,
      email,
    });
    const verification = { token, purpose: EmailTokenPurpose.VERIFICATION };
    // An unused token is redeemed as ever, replay allowed or not.
    const first = await control.verifyEmailToken({ ...verification, allowReplay: true });
    expect(first).toMatchObject({ user: { id: user!.id }, replayed: false });
    await expectCode(control.verifyEmailToken(verification), Code.UNAUTHENTICATED);
    const again = await control.verifyEmailToken({ ...verification, allowReplay: true });
    expect(again).toMatchObject({ user: { id: user!.id }, replayed: true });
    expect(again.user?.verifiedAtMs).toBe(first.user?.verifiedAtMs);

    // An unknown token, or a redeemed token of another purpose, never replays.
    await expectCode(
      control.verifyEmailToken({ ...verification, token: 'nope', allowReplay: true }),
      Code.UNAUTHENTICATED,
    );
    const reset = await control.issueEmailToken({ purpose: EmailTokenPurpose.RESET, email });
    const resetRequest = {
      token: reset.token,
      purpose: EmailTokenPurpose.RESET,
      newPassword: 'another horse battery',
      allowReplay: true,
    };
    await control.verifyEmailToken(resetRequest);
    await expectCode(control.verifyEmailToken(resetRequest), Code.UNAUTHENTICATED);
  });

  it('does not replay an expired verification token', async () => {
    const email = `${fresh('expired')}@example.com`;
    await control.createUser({ email });
    const { token } = await control.issueEmailToken({
      purpose: EmailTokenPurpose.VERIFICATION,
      email,
      ttlMs: 300n,
    });
    await control.verifyEmailToken({ token, purpose: EmailTokenPurpose.VERIFICATION });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const replay = await control
        .verifyEmailToken({ token, purpose: EmailTokenPurpose.VERIFICATION, allowReplay: true })
        .then(
          () => 'replayed',
          (err: unknown) => err,
        );
      if (replay !== 'replayed') {
        expect(replay).toMatchObject({ code: Code.UNAUTHENTICATED });
        break;
      }
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
