import { Code } from '@huedb/grpc';
import { EmailTokenPurpose, MemberRole } from '@huedb/proto/control';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

const PASSWORD = 'correct horse battery';

/** Users, passwords, sessions, email tokens and memberships over real gRPC. */
describe.each(DRIVER_KINDS)('control plane identity on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_identity');
  const { control, fresh, scope } = t;
  const email = (name = 'user') => `${fresh(name)}@Example.com`;

  describe('users', () => {
    it('keeps emails unique ignoring case (Unicode too)', async () => {
      const address = email('Mixed');
      const { user } = await control.createUser({ email: address, password: PASSWORD });
      expect(user).toMatchObject({ email: address, hasPassword: true });
      expect(user?.verifiedAtMs).toBeUndefined();
      for (const again of [address.toLowerCase(), address.toUpperCase(), ` ${address} `]) {
        await expectCode(
          control.createUser({ email: again, password: PASSWORD }),
          Code.ALREADY_EXISTS,
        );
      }
      // Beyond ASCII, where SQL lower() would depend on the database's collation.
      const accented = `${fresh('élodie')}@exemple.fr`;
      await control.createUser({ email: accented });
      await expectCode(control.createUser({ email: accented.toUpperCase() }), Code.ALREADY_EXISTS);
      expect((await control.getUser({ email: address.toUpperCase() })).user?.id).toBe(user?.id);
    });

    it('stores an argon2id hash, never the password', async () => {
      const { user } = await control.createUser({ email: email(), password: PASSWORD });
      const [row] = await t.catalog.driver.query<{ password_hash: string }>(
        `SELECT password_hash FROM users WHERE id = $1`,
        [user!.id],
      );
      expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row!.password_hash).not.toContain(PASSWORD);
    });

    it('rejects malformed input', async () => {
      for (const bad of ['', 'no-at', '@x', 'x@', 'a b@c.d', 'a@b\n.c']) {
        await expectCode(control.createUser({ email: bad }), Code.INVALID_ARGUMENT);
      }
      await expectCode(
        control.createUser({ email: email(), password: 'short' }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        control.createUser({ email: email(), password: 'x'.repeat(1025) }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(control.getUser({}), Code.INVALID_ARGUMENT);
      await expectCode(control.getUser({ id: 'not-a-uuid' }), Code.INVALID_ARGUMENT);
      await expectCode(
        control.getUser({ id: '00000000-0000-4000-8000-000000000000' }),
        Code.NOT_FOUND,
      );
    });
  });

  describe('passwords', () => {
    it('authenticates the right password only, with one answer for every failure', async () => {
      const address = email();
      const { user } = await control.createUser({ email: address, password: PASSWORD });
      const ok = await control.authenticatePassword({
        email: address.toUpperCase(),
        password: PASSWORD,
      });
      expect(ok.user?.id).toBe(user?.id);
      const noPassword = email();
      await control.createUser({ email: noPassword });
      for (const attempt of [
        { email: address, password: `${PASSWORD}!` },
        { email: address, password: '' },
        { email: email('nobody'), password: PASSWORD },
        { email: noPassword, password: '' },
      ]) {
        await expectCode(
          control.authenticatePassword(attempt),
          Code.UNAUTHENTICATED,
          'Invalid email or password',
        );
      }
    });
  });

  describe('sessions', () => {
    it('creates, resolves (with CSRF check) and deletes a session', async () => {
      const { user } = await control.createUser({ email: email(), password: PASSWORD });
      const session = await control.createSession({ userId: user!.id });
      expect(session.token).toMatch(/^[0-9A-Za-z]{43}$/);
      expect(session.csrfToken).toMatch(/^[0-9A-Za-z]{43}$/);
      expect(session.expiresAtMs).toBeGreaterThan(BigInt(Date.now()));

      const resolved = await control.resolveSession({ token: session.token });
      expect(resolved).toMatchObject({ user: { id: user!.id }, csrfValid: false });
      expect(
        (await control.resolveSession({ token: session.token, csrfToken: session.csrfToken }))
          .csrfValid,
      ).toBe(true);
      expect(
        (await control.resolveSession({ token: session.token, csrfToken: session.token }))
          .csrfValid,
      ).toBe(false);

      const [row] = await t.catalog.driver.query<{ token_hash: string }>(
        `SELECT token_hash FROM sessions WHERE user_id = $1`,
        [user!.id],
      );
      expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row!.token_hash).not.toContain(session.token);

      expect((await control.deleteSession({ token: session.token })).deleted).toBe(true);
      expect((await control.deleteSession({ token: session.token })).deleted).toBe(false);
      await expectCode(
        control.resolveSession({ token: session.token }),
        Code.UNAUTHENTICATED,
        'Invalid or expired session',
      );
      await expectCode(control.resolveSession({ token: 'x' }), Code.UNAUTHENTICATED);
    });

    it('an expired session does not resolve', async () => {
      const { user } = await control.createUser({ email: email() });
      const session = await control.createSession({ userId: user!.id, ttlMs: 1n });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const refused = await control.resolveSession({ token: session.token }).then(
          () => false,
          () => true,
        );
        if (refused) break;
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await expectCode(
        control.createSession({ userId: '00000000-0000-4000-8000-000000000000' }),
        Code.NOT_FOUND,
      );
    });
  });

  describe('email tokens', () => {
    it('verifies an address with a single-use token', async () => {
      const address = email();
      const { user } = await control.createUser({ email: address, password: PASSWORD });
      const issued = await control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email: address,
      });
      expect(issued.userId).toBe(user!.id);
      // The wrong purpose neither works nor uses the token up.
      await expectCode(
        control.verifyEmailToken({ token: issued.token, purpose: EmailTokenPurpose.INVITE }),
        Code.UNAUTHENTICATED,
      );
      const verified = await control.verifyEmailToken({
        token: issued.token,
        purpose: EmailTokenPurpose.VERIFICATION,
      });
      expect(verified.user?.verifiedAtMs).toBeGreaterThan(0n);
      await expectCode(
        control.verifyEmailToken({ token: issued.token, purpose: EmailTokenPurpose.VERIFICATION }),
        Code.UNAUTHENTICATED,
        'Invalid or expired token',
      );
      await expectCode(
        control.issueEmailToken({ purpose: EmailTokenPurpose.VERIFICATION, email: address }),
        Code.FAILED_PRECONDITION,
      );
    });

    it('a token redeemed twice at once works once', async () => {
      const address = email();
      await control.createUser({ email: address });
      const { token } = await control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email: address,
      });
      const results = await Promise.allSettled(
        [1, 2, 3].map(() =>
          control.verifyEmailToken({ token, purpose: EmailTokenPurpose.VERIFICATION }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('an expired token does not work', async () => {
      const address = email();
      await control.createUser({ email: address });
      const { token } = await control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email: address,
        ttlMs: 1n,
      });
      const deadline = Date.now() + 10_000;
      let refused = false;
      while (!refused) {
        expect(Date.now()).toBeLessThan(deadline);
        // A refused attempt does not use the token up, so retrying until refusal is sound.
        refused = await control
          .verifyEmailToken({ token, purpose: EmailTokenPurpose.VERIFICATION })
          .then(
            () => {
              throw new Error('an expired token was accepted');
            },
            () => true,
          );
      }
    });

    it('resets a password once and ends the sessions', async () => {
      const address = email();
      const { user } = await control.createUser({ email: address, password: PASSWORD });
      const session = await control.createSession({ userId: user!.id });
      const { token } = await control.issueEmailToken({
        purpose: EmailTokenPurpose.RESET,
        email: address,
      });
      await expectCode(
        control.verifyEmailToken({ token, purpose: EmailTokenPurpose.RESET }),
        Code.INVALID_ARGUMENT,
      );
      await control.verifyEmailToken({
        token,
        purpose: EmailTokenPurpose.RESET,
        newPassword: 'a new passphrase',
      });
      await expectCode(control.resolveSession({ token: session.token }), Code.UNAUTHENTICATED);
      await expectCode(
        control.authenticatePassword({ email: address, password: PASSWORD }),
        Code.UNAUTHENTICATED,
      );
      await control.authenticatePassword({ email: address, password: 'a new passphrase' });
      await expectCode(
        control.verifyEmailToken({
          token,
          purpose: EmailTokenPurpose.RESET,
          newPassword: 'third passphrase',
        }),
        Code.UNAUTHENTICATED,
      );
      await expectCode(
        control.issueEmailToken({ purpose: EmailTokenPurpose.RESET, email: email('nobody') }),
        Code.NOT_FOUND,
      );
    });

    it('an invite creates the account and the membership; without a password it is kept', async () => {
      const { tenant } = await scope();
      const address = email('invitee');
      const { token, userId } = await control.issueEmailToken({
        purpose: EmailTokenPurpose.INVITE,
        email: address,
        tenant,
        role: MemberRole.ADMIN,
      });
      expect(userId).toBe('');
      await expectCode(
        control.verifyEmailToken({ token, purpose: EmailTokenPurpose.INVITE }),
        Code.INVALID_ARGUMENT,
      );
      // The refused attempt rolled back: the token still works.
      const accepted = await control.verifyEmailToken({
        token,
        purpose: EmailTokenPurpose.INVITE,
        newPassword: PASSWORD,
      });
      expect(accepted.user).toMatchObject({ email: address, hasPassword: true });
      expect(accepted.user?.verifiedAtMs).toBeGreaterThan(0n);
      expect(accepted.membership).toMatchObject({ tenant, role: MemberRole.ADMIN, email: address });
      await control.authenticatePassword({ email: address, password: PASSWORD });
      await expectCode(
        control.verifyEmailToken({
          token,
          purpose: EmailTokenPurpose.INVITE,
          newPassword: PASSWORD,
        }),
        Code.UNAUTHENTICATED,
      );
      await expectCode(
        control.issueEmailToken({
          purpose: EmailTokenPurpose.INVITE,
          email: address,
          tenant: 'no-such-tenant',
          role: MemberRole.MEMBER,
        }),
        Code.NOT_FOUND,
      );
    });

    it('stores only token hashes', async () => {
      const address = email();
      await control.createUser({ email: address });
      const { token } = await control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email: address,
      });
      const rows = await t.catalog.driver.query(`SELECT * FROM email_tokens`);
      expect(JSON.stringify(rows)).not.toContain(token);
    });
  });

  describe('memberships', () => {
    it('adds members once and lists them by tenant and by user', async () => {
      const { tenant } = await scope();
      const owner = (await control.createUser({ email: email('owner') })).user!;
      const member = (await control.createUser({ email: email('member') })).user!;
      await control.addMembership({ userId: owner.id, tenant, role: MemberRole.OWNER });
      await control.addMembership({ userId: member.id, tenant, role: MemberRole.MEMBER });
      await expectCode(
        control.addMembership({ userId: member.id, tenant, role: MemberRole.ADMIN }),
        Code.ALREADY_EXISTS,
      );
      const { memberships } = await control.listMemberships({ tenant });
      expect(memberships.map((m) => [m.userId, m.role])).toEqual([
        [owner.id, MemberRole.OWNER],
        [member.id, MemberRole.MEMBER],
      ]);
      expect((await control.listMemberships({ userId: member.id })).memberships).toMatchObject([
        { tenant, role: MemberRole.MEMBER, email: member.email },
      ]);
      await expectCode(
        control.addMembership({
          userId: owner.id,
          tenant: 'no-such-tenant',
          role: MemberRole.OWNER,
        }),
        Code.NOT_FOUND,
      );
      await expectCode(control.addMembership({ userId: owner.id, tenant }), Code.INVALID_ARGUMENT);
      await expectCode(control.listMemberships({}), Code.INVALID_ARGUMENT);
    });
  });
});
