import { randomUUID } from 'node:crypto';
import {
  EmailTokenPurpose,
  type AddMembershipRequest,
  type AuthenticatePasswordRequest,
  type CreateSessionRequest,
  type CreateUserRequest,
  type GetUserRequest,
  type IssueEmailTokenRequest,
  type ListMembershipsRequest,
  type Membership,
  type User,
  type VerifyEmailTokenRequest,
} from '@huedb/proto/control';
import { Code, RpcError } from '@huedb/grpc';
import type { Mailer } from '@huedb/service';
import type { Input } from '../catalog.input.js';
import { requireUuid } from '../catalog.input.js';
import { alreadyExists, failedPrecondition, invalid, tenantNotFound } from '../catalog.errors.js';
import {
  invalidCredentials,
  invalidEmailToken,
  invalidSession,
  userNotFound,
} from './control.errors.js';
import { requireEmail, requirePassword, requireText, ttlMs } from './control.input.js';
import { memberRoleText, membershipMessage, purposeText, userMessage } from './control.mapper.js';
import type { ControlRepositories } from './control.repository.js';
import { emailFor, linkFor } from './emails.js';
import {
  dummyPasswordHash,
  emailKey,
  hashPassword,
  needsRehash,
  newToken,
  sha256Hex,
  tokenMatches,
  verifyPassword,
} from './secrets.js';
import type { UserRow } from './user.repository.js';

const HOUR = 3_600_000n;
const DAY = 24n * HOUR;

/** How long an email token lives unless the request says otherwise, by purpose. */
const TOKEN_TTL: Record<string, bigint> = {
  verification: DAY,
  reset: HOUR,
  invite: 7n * DAY,
};
const MAX_TOKEN_TTL = 30n * DAY;
const SESSION_TTL = 7n * DAY;
const MAX_SESSION_TTL = 30n * DAY;

/**
 * Users, their passwords, console sessions, email tokens and memberships. Password hashing runs
 * before any transaction opens (it takes milliseconds on a worker thread; a transaction must not
 * hold a connection — PGlite's only one — that long).
 */
export class IdentityService {
  constructor(
    private readonly repos: ControlRepositories,
    /** Sends the mails of IssueEmailToken with a link template; none = such calls fail. */
    private readonly mailer?: Mailer,
  ) {}

  async createUser(req: Input<CreateUserRequest>): Promise<Input<User>> {
    const email = requireEmail(req.email);
    const passwordHash =
      req.password === undefined ? null : await hashPassword(requirePassword(req.password));
    const row = await this.repos.users.insert({
      id: randomUUID(),
      email,
      emailKey: emailKey(email),
      passwordHash,
      verified: req.verified,
    });
    if (!row) throw alreadyExists(`A user with email [${email}] already exists`);
    return userMessage(row);
  }

  async getUser(req: Input<GetUserRequest>): Promise<Input<User>> {
    return userMessage(await this.findUser(req));
  }

  /**
   * The user whose password this is. An unknown email and a user without a password are checked
   * against a dummy hash, so all three failures cost one argon2 verification and look alike.
   */
  async authenticatePassword(req: Input<AuthenticatePasswordRequest>): Promise<Input<User>> {
    const user = await this.repos.users.findByEmailKey(emailKey(req.email));
    const phc = user?.password_hash ?? (await dummyPasswordHash());
    const matches = await verifyPassword(phc, req.password);
    if (!user?.password_hash || !matches) throw invalidCredentials();
    if (needsRehash(user.password_hash)) {
      // Parameters were raised since this hash was made: store one with today's, now that the
      // password is at hand.
      await this.repos.users.setPassword(user.id, await hashPassword(req.password));
    }
    return userMessage(user);
  }

  async issueEmailToken(
    req: Input<IssueEmailTokenRequest>,
  ): Promise<{ token: string; expiresAtMs: bigint; userId: string; delivered: boolean }> {
    const purpose = purposeText(req.purpose);
    const email = requireEmail(req.email);
    const deliver = req.linkTemplate !== '';
    if (deliver) {
      linkFor(req.linkTemplate, 'check');
      if (!this.mailer) {
        throw failedPrecondition('No SMTP server is configured (HUEDB_SMTP_URL): cannot send mail');
      }
    }
    const user = await this.repos.users.findByEmailKey(emailKey(email));
    let tenant: string | null = null;
    let role: string | null = null;
    if (req.purpose === EmailTokenPurpose.INVITE) {
      tenant = requireText('tenant', req.tenant);
      role = memberRoleText(req.role);
      if (!(await this.repos.tenants.find(tenant))) throw tenantNotFound(tenant);
    } else {
      if (!user) throw userNotFound(email);
      if (req.purpose === EmailTokenPurpose.VERIFICATION && user.verified_at_ms !== null) {
        throw failedPrecondition(`The email of user [${user.id}] is already verified`);
      }
    }
    const token = newToken();
    const { expires_at_ms } = await this.repos.emailTokens.insert({
      tokenHash: sha256Hex(token),
      purpose,
      userId: user?.id ?? null,
      email,
      tenant,
      role,
      ttlMs: ttlMs(req.ttlMs, TOKEN_TTL[purpose]!, MAX_TOKEN_TTL),
    });
    const expiresAtMs = BigInt(expires_at_ms);
    const userId = user?.id ?? '';
    if (!deliver) return { token, expiresAtMs, userId, delivered: false };
    const mail = emailFor(purpose, email, linkFor(req.linkTemplate, token), {
      tenant,
      expiresAtMs,
    });
    try {
      await this.mailer!.send(mail);
    } catch (err) {
      // The stored hash is harmless without the token, which only this process saw: no cleanup.
      throw new RpcError(Code.UNAVAILABLE, `Could not send the mail: ${(err as Error).message}`);
    }
    return { token: '', expiresAtMs, userId, delivered: true };
  }

  /**
   * Redeems a token and applies it, in one transaction: a request that fails after the token
   * was marked used (an invite without the password it needs) leaves the token unused. The token
   * is looked up by its SHA-256 (an index probe on a hash reveals nothing about the token).
   */
  async verifyEmailToken(
    req: Input<VerifyEmailTokenRequest>,
  ): Promise<{ user: Input<User>; membership?: Input<Membership>; replayed?: boolean }> {
    const purpose = purposeText(req.purpose);
    if (req.purpose === EmailTokenPurpose.RESET && req.newPassword === undefined) {
      throw invalid('A password reset needs new_password');
    }
    const newHash =
      req.newPassword === undefined ? null : await hashPassword(requirePassword(req.newPassword));
    return this.repos.transaction(async (tx) => {
      const token = await tx.emailTokens.consume(sha256Hex(req.token), purpose);
      if (!token) {
        if (req.allowReplay && req.purpose === EmailTokenPurpose.VERIFICATION) {
          const redeemed = await tx.emailTokens.findRedeemed(sha256Hex(req.token), purpose);
          const user = redeemed && (await tx.users.findById(redeemed.user_id!));
          if (user && user.verified_at_ms !== null)
            return { user: userMessage(user), replayed: true };
        }
        throw invalidEmailToken();
      }
      switch (req.purpose) {
        case EmailTokenPurpose.VERIFICATION:
          return { user: userMessage((await tx.users.markVerified(token.user_id!))!) };
        case EmailTokenPurpose.RESET: {
          await tx.users.setPassword(token.user_id!, newHash!);
          // A reset is what someone does who fears another knows the password: end every session.
          await tx.sessions.deleteForUser(token.user_id!);
          // Receiving the mail proved the address too.
          return { user: userMessage((await tx.users.markVerified(token.user_id!))!) };
        }
        default:
          return this.acceptInvite(tx, token.email, token.tenant!, token.role!, newHash);
      }
    });
  }

  private async acceptInvite(
    tx: ControlRepositories,
    email: string,
    tenant: string,
    role: string,
    newHash: string | null,
  ): Promise<{ user: Input<User>; membership: Input<Membership> }> {
    let user: UserRow | undefined = await tx.users.findByEmailKey(emailKey(email));
    if (!user) {
      if (newHash === null)
        throw invalid('Accepting this invite creates an account: give a password');
      user = await tx.users.insert({
        id: randomUUID(),
        email,
        emailKey: emailKey(email),
        passwordHash: newHash,
        verified: true,
      });
      // The email was free when looked up; taken since is a race a retry resolves.
      if (!user) throw failedPrecondition('The account was created concurrently: try again');
    } else if (user.password_hash === null) {
      if (newHash === null) throw invalid('This account has no password yet: give one');
      await tx.users.setPassword(user.id, newHash);
    }
    user = await tx.users.markVerified(user.id);
    const membership =
      (await tx.memberships.insert(user!.id, tenant, role)) ??
      // Already a member: the invite changes nothing (and does not lower an owner to a member).
      (await tx.memberships.find(user!.id, tenant))!;
    return { user: userMessage(user!), membership: membershipMessage(membership) };
  }

  async createSession(
    req: Input<CreateSessionRequest>,
  ): Promise<{ token: string; csrfToken: string; expiresAtMs: bigint }> {
    const userId = requireUuid('user', req.userId);
    const ttl = ttlMs(req.ttlMs, SESSION_TTL, MAX_SESSION_TTL);
    if (!(await this.repos.users.findById(userId))) throw userNotFound(userId);
    const token = newToken();
    const csrfToken = newToken();
    await this.repos.sessions.deleteExpiredForUser(userId);
    const { expires_at_ms } = await this.repos.sessions.insert(
      sha256Hex(token),
      userId,
      sha256Hex(csrfToken),
      ttl,
    );
    return { token, csrfToken, expiresAtMs: BigInt(expires_at_ms) };
  }

  async resolveSession(
    token: string,
    csrfToken: string | undefined,
  ): Promise<{ user: Input<User>; expiresAtMs: bigint; csrfValid: boolean }> {
    const session = await this.repos.sessions.findLive(sha256Hex(token));
    if (!session) throw invalidSession();
    const user = await this.repos.users.findById(session.user_id);
    if (!user) throw invalidSession();
    return {
      user: userMessage(user),
      expiresAtMs: BigInt(session.expires_at_ms),
      csrfValid: csrfToken !== undefined && tokenMatches(csrfToken, session.csrf_hash),
    };
  }

  async deleteSession(token: string): Promise<boolean> {
    return this.repos.sessions.delete(sha256Hex(token));
  }

  async addMembership(req: Input<AddMembershipRequest>): Promise<Input<Membership>> {
    const userId = requireUuid('user', req.userId);
    const role = memberRoleText(req.role);
    if (!(await this.repos.users.findById(userId))) throw userNotFound(userId);
    if (!(await this.repos.tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    const row = await this.repos.memberships.insert(userId, req.tenant, role);
    if (!row) throw alreadyExists(`User [${userId}] is already a member of tenant [${req.tenant}]`);
    return membershipMessage(row);
  }

  async listMemberships(req: Input<ListMembershipsRequest>): Promise<Input<Membership>[]> {
    if ((req.tenant === '') === (req.userId === '')) {
      throw invalid('Give exactly one of tenant and user_id');
    }
    const rows =
      req.tenant !== ''
        ? await this.repos.memberships.listByTenant(req.tenant)
        : await this.repos.memberships.listByUser(requireUuid('user', req.userId));
    return rows.map(membershipMessage);
  }

  private async findUser(req: Input<GetUserRequest>): Promise<UserRow> {
    if ((req.id === '') === (req.email === '')) throw invalid('Give exactly one of id and email');
    const row =
      req.id !== ''
        ? await this.repos.users.findById(requireUuid('user', req.id))
        : await this.repos.users.findByEmailKey(emailKey(req.email));
    if (!row) throw userNotFound(req.id || req.email);
    return row;
  }
}
