import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EmailTokenPurpose, KeyRole, MemberRole, type User } from '@huedb/proto/control';
import { Code, RpcError } from '@huedb/grpc';
import {
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  validateTenantName,
} from '@huedb/core';
import { BACKENDS, type Backends } from '../backends/backends.js';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.tokens.js';
import { bodyValidator } from '../http/body-schema.js';
import * as schemas from './accounts.schemas.js';
import { KEY_ROLES, keyJson, membershipJson, userJson } from './accounts.json.js';
import { LoginLimiter } from './login-limiter.js';
import { UsageMeter } from '../usage/usage-meter.js';
import { readUsage, type UsageAnswer, type UsageParams } from '../usage/usage-route.js';

const parseCredentials = bodyValidator<schemas.Credentials>(schemas.credentialsSchema);
const parseToken = bodyValidator<{ token: string }>(schemas.tokenSchema);
const parseEmail = bodyValidator<{ email: string }>(schemas.emailSchema);
const parseResetConfirm = bodyValidator<{ token: string; password: string }>(
  schemas.resetConfirmSchema,
);
const parseAcceptInvite = bodyValidator<{ token: string; password?: string }>(
  schemas.acceptInviteSchema,
);
const parseCreateKey = bodyValidator<schemas.CreateKeyBody>(schemas.createKeySchema);
const parseInvite = bodyValidator<{ email: string; role: 'admin' | 'member' }>(
  schemas.inviteSchema,
);

/** One message for every failed login: which part was wrong is not said. */
const BAD_LOGIN = 'Invalid email or password';
const DEFAULT_DATABASE = 'default_database';
/** The control plane's answer for a used token, also given when a replay has nothing to finish. */
const USED_TOKEN = 'Invalid or expired token';

/** Who a session-authenticated request is, and for which request. */
export interface SessionCaller {
  user: User;
  requestId: string;
}

/**
 * Signup, verification, login, password reset, invites and keys over a session: the rules here,
 * the state (users, tokens, sessions, keys, memberships, audit) in the control plane, tenants and
 * databases in the catalog. Cookies and CSRF are the controller's.
 */
@Injectable()
export class AccountsService {
  readonly limiter: LoginLimiter;
  readonly settings: Required<
    Pick<
      GatewayConfig,
      | 'signup'
      | 'emailVerification'
      | 'publicUrl'
      | 'trustProxyTls'
      | 'loginAttemptsPerAccount'
      | 'loginAttemptsPerAddress'
    >
  >;

  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(UsageMeter) private readonly meter: UsageMeter,
  ) {
    this.settings = {
      signup: config.signup ?? true,
      emailVerification: config.emailVerification ?? true,
      publicUrl: (config.publicUrl ?? 'http://127.0.0.1:8000').replace(/\/+$/, ''),
      trustProxyTls: config.trustProxyTls ?? false,
      loginAttemptsPerAccount: config.loginAttemptsPerAccount ?? 10,
      loginAttemptsPerAddress: config.loginAttemptsPerAddress ?? 50,
    };
    this.limiter = new LoginLimiter(
      backends.control,
      this.settings.loginAttemptsPerAccount,
      this.settings.loginAttemptsPerAddress,
    );
  }

  /** The link a mail carries: the public URL's console page for it, `{token}` filled in there. */
  private link(page: string): string {
    return `${this.settings.publicUrl}/accounts/${page}?token={token}`;
  }

  /**
   * Signup. With verification on, the answer is the same 202 whether the address was free, taken
   * and unverified (a new verification mail goes out) or taken and verified (nothing happens):
   * the API does not tell who has an account. With it off, the account is provisioned at once.
   */
  async signup(body: unknown, requestId: string): Promise<{ status: 201 | 202; body: object }> {
    if (!this.settings.signup) {
      throw new PermissionDeniedError('Signup is disabled: accounts are by invite only');
    }
    const { email, password } = parseCredentials(body);
    if (!this.settings.emailVerification) {
      return { status: 201, body: await this.signupUnverified(email, password, requestId) };
    }
    try {
      await this.backends.control.createUser({ email, password, verified: false });
    } catch (err) {
      if (!(err instanceof RpcError && err.code === Code.ALREADY_EXISTS)) throw err;
    }
    try {
      await this.backends.control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email,
        linkTemplate: this.link('verify'),
      });
    } catch (err) {
      // Verified already: nothing to mail, and the answer must not differ.
      if (!(err instanceof RpcError && err.code === Code.FAILED_PRECONDITION)) throw err;
      noMailer(err);
    }
    return { status: 202, body: { accepted: true } };
  }

  /**
   * Signup without verification: the account is made and provisioned at once. A taken address is
   * a 409 — unless the password is the account's and its provisioning never finished, where the
   * retry finishes it (the password proves the address's account as a token would).
   */
  private async signupUnverified(
    email: string,
    password: string,
    requestId: string,
  ): Promise<object> {
    const control = this.backends.control;
    try {
      const { user } = await control.createUser({ email, password, verified: true });
      return (await this.provision(user!, requestId, false))!;
    } catch (err) {
      if (!(err instanceof RpcError && err.code === Code.ALREADY_EXISTS)) throw err;
      const user = await control.authenticatePassword({ email, password }).then(
        (answer) => answer.user!,
        () => undefined,
      );
      const resumed =
        user?.verifiedAtMs !== undefined ? await this.provision(user, requestId, true) : undefined;
      if (!resumed) throw err;
      return resumed;
    }
  }

  /**
   * Redeems a verification token; the first verification provisions the account. A token
   * redeemed before is replayed (the control plane answers its user again) so that a verification
   * that failed halfway through provisioning can be retried: the retry finishes it. Once the
   * account is complete a replay is refused like any used token.
   */
  async verify(body: unknown, requestId: string): Promise<object> {
    const { token } = parseToken(body);
    const { user, replayed } = await this.backends.control.verifyEmailToken({
      token,
      purpose: EmailTokenPurpose.VERIFICATION,
      allowReplay: true,
    });
    const provisioned = await this.provision(user!, requestId, replayed);
    if (!provisioned) throw new UnauthenticatedError(USED_TOKEN);
    return provisioned;
  }

  /**
   * Makes a verified user's account usable, resuming where an earlier attempt stopped: their own
   * tenant (named after the address, made unique) with the owner membership, its
   * default_database, and a first read-write key, whose secret this answer shows once. Each step
   * is skipped when done (an owned tenant is reused, an existing database kept), so a retry after
   * a failure anywhere finishes the job. With `resuming`, an account that is complete already
   * (it owns a tenant holding a key the user made) answers undefined: nothing is made again.
   * A failure between creating the tenant and its membership leaves an empty tenant nobody owns,
   * and the retry makes another (decision 0025).
   */
  private async provision(
    user: User,
    requestId: string,
    resuming: boolean,
  ): Promise<object | undefined> {
    const control = this.backends.control;
    const { memberships } = await control.listMemberships({ userId: user.id });
    let tenant = memberships.find((m) => m.role === MemberRole.OWNER)?.tenant;
    if (tenant !== undefined && resuming) {
      const { keys } = await control.listApiKeys({ tenant, includeRevoked: true });
      if (keys.some((k) => k.createdBy === user.id)) return undefined;
    }
    if (tenant === undefined) {
      tenant = await this.createOwnTenant(user.email);
      await control.addMembership({ userId: user.id, tenant, role: MemberRole.OWNER });
      await this.audit(user.id, 'tenant.create', 'tenant', tenant, tenant, requestId);
    }
    await this.backends.catalog
      .createDatabase({ tenant, name: DEFAULT_DATABASE })
      .catch((err: unknown) => {
        if (!(err instanceof RpcError && err.code === Code.ALREADY_EXISTS)) throw err;
      });
    const { key, secret } = await control.createApiKey({
      tenant,
      role: KeyRole.READ_WRITE,
      name: 'first key',
      createdBy: user.id,
    });
    await this.audit(user.id, 'api_key.create', 'api_key', key!.id, tenant, requestId);
    return {
      user: userJson(user),
      tenant,
      database: DEFAULT_DATABASE,
      api_key: { ...keyJson(key!), secret },
    };
  }

  private async createOwnTenant(email: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const name = tenantNameFor(email);
      try {
        await this.backends.catalog.createTenant({ name });
        return name;
      } catch (err) {
        if (err instanceof RpcError && err.code === Code.ALREADY_EXISTS && attempt < 4) continue;
        throw err;
      }
    }
  }

  /** Checks the password (rate-limited) and starts a session. */
  async login(
    body: unknown,
    address: string,
  ): Promise<{ user: User; token: string; csrfToken: string; expiresAtMs: number }> {
    const { email, password } = parseCredentials(body);
    const attempt = await this.limiter.attempt(email, address);
    let user: User;
    try {
      user = (await this.backends.control.authenticatePassword({ email, password })).user!;
    } catch (err) {
      // A wrong password keeps the attempt it took.
      if (err instanceof RpcError && err.code === Code.UNAUTHENTICATED) {
        throw new UnauthenticatedError(BAD_LOGIN);
      }
      await attempt.abandoned();
      throw err;
    }
    await attempt.succeeded();
    if (user.verifiedAtMs === undefined) {
      throw new PermissionDeniedError('Verify your email address first (see the mail we sent)');
    }
    const session = await this.backends.control.createSession({ userId: user.id });
    return {
      user,
      token: session.token,
      csrfToken: session.csrfToken,
      expiresAtMs: Number(session.expiresAtMs),
    };
  }

  /** The session's user; 401 without one, 403 for a write without its CSRF token. */
  async resolveSession(
    token: string | undefined,
    csrf: string | undefined,
    write: boolean,
  ): Promise<User> {
    if (!token) throw new UnauthenticatedError('Not logged in');
    let answer;
    try {
      answer = await this.backends.control.resolveSession({
        token,
        ...(csrf !== undefined && { csrfToken: csrf }),
      });
    } catch (err) {
      if (err instanceof RpcError && err.code === Code.UNAUTHENTICATED) {
        throw new UnauthenticatedError('The session has ended: log in again');
      }
      throw err;
    }
    if (write && !answer.csrfValid) {
      throw new PermissionDeniedError('Missing or wrong CSRF token (x-csrf-token header)');
    }
    return answer.user!;
  }

  async logout(token: string): Promise<void> {
    await this.backends.control.deleteSession({ token });
  }

  async me(user: User): Promise<object> {
    const { memberships } = await this.backends.control.listMemberships({ userId: user.id });
    return { user: userJson(user), memberships: memberships.map(membershipJson) };
  }

  /** Mails a reset link when the address has an account; the same 202 when it does not. */
  async requestReset(body: unknown): Promise<object> {
    const { email } = parseEmail(body);
    try {
      await this.backends.control.issueEmailToken({
        purpose: EmailTokenPurpose.RESET,
        email,
        linkTemplate: this.link('reset'),
      });
    } catch (err) {
      if (err instanceof RpcError && err.code === Code.FAILED_PRECONDITION) noMailer(err);
      if (!(err instanceof RpcError && err.code === Code.NOT_FOUND)) throw err;
    }
    return { accepted: true };
  }

  async confirmReset(body: unknown): Promise<object> {
    const { token, password } = parseResetConfirm(body);
    const { user } = await this.backends.control.verifyEmailToken({
      token,
      purpose: EmailTokenPurpose.RESET,
      newPassword: password,
    });
    return { user: userJson(user!) };
  }

  /** Owners and admins of a tenant manage its keys and members; everyone else gets 403. */
  private async requireManager(caller: SessionCaller, tenant: string): Promise<void> {
    const { memberships } = await this.backends.control.listMemberships({
      userId: caller.user.id,
    });
    const role = memberships.find((m) => m.tenant === tenant)?.role;
    if (role !== MemberRole.OWNER && role !== MemberRole.ADMIN) {
      throw new PermissionDeniedError('Permission denied.');
    }
  }

  /**
   * The session routes with a body check its shape first, then the session (`caller`): a
   * malformed body is a 400/422 whoever sends it, as on every other route.
   */
  async createKey(
    session: () => Promise<SessionCaller>,
    tenant: string,
    body: unknown,
  ): Promise<object> {
    const input = parseCreateKey(body);
    const caller = await session();
    await this.requireManager(caller, tenant);
    const { key, secret } = await this.backends.control.createApiKey({
      tenant,
      databases: input.databases ?? [],
      role: KEY_ROLES[input.role ?? 'read_write'],
      name: input.name ?? '',
      createdBy: caller.user.id,
      ...(input.expires_at_ms !== undefined && { expiresAtMs: BigInt(input.expires_at_ms) }),
    });
    await this.audit(
      caller.user.id,
      'api_key.create',
      'api_key',
      key!.id,
      tenant,
      caller.requestId,
    );
    return { key: keyJson(key!), secret };
  }

  async listKeys(caller: SessionCaller, tenant: string): Promise<object> {
    await this.requireManager(caller, tenant);
    const { keys } = await this.backends.control.listApiKeys({ tenant });
    return { keys: keys.map(keyJson) };
  }

  /** The tenant's usage, for any of its members (the console's usage page). */
  async readUsage(
    caller: SessionCaller,
    tenant: string,
    params: UsageParams,
  ): Promise<UsageAnswer> {
    const { memberships } = await this.backends.control.listMemberships({ userId: caller.user.id });
    if (!memberships.some((m) => m.tenant === tenant))
      throw new PermissionDeniedError('Permission denied.');
    return readUsage(this.backends, this.meter, tenant, params);
  }

  async revokeKey(caller: SessionCaller, tenant: string, keyId: string): Promise<object> {
    await this.requireManager(caller, tenant);
    const { key } = await this.backends.control.revokeApiKey({ keyId, tenant });
    await this.audit(caller.user.id, 'api_key.revoke', 'api_key', keyId, tenant, caller.requestId);
    return { key: keyJson(key!) };
  }

  async invite(
    session: () => Promise<SessionCaller>,
    tenant: string,
    body: unknown,
  ): Promise<object> {
    const { email, role } = parseInvite(body);
    const caller = await session();
    await this.requireManager(caller, tenant);
    await this.backends.control
      .issueEmailToken({
        purpose: EmailTokenPurpose.INVITE,
        email,
        tenant,
        role: role === 'admin' ? MemberRole.ADMIN : MemberRole.MEMBER,
        linkTemplate: this.link('invite'),
      })
      .catch((err: unknown) => {
        if (err instanceof RpcError && err.code === Code.FAILED_PRECONDITION) noMailer(err);
        throw err;
      });
    await this.audit(
      caller.user.id,
      'membership.invite',
      'membership',
      email,
      tenant,
      caller.requestId,
      {
        role,
      },
    );
    return { accepted: true };
  }

  /**
   * Accepts an invite. The token proves the invited address, so the membership goes to that
   * address's account (made now, with the given password, if it has none) whoever is logged in.
   */
  async acceptInvite(
    body: unknown,
    requestId: string,
    session: (() => Promise<SessionCaller>) | undefined,
  ): Promise<object> {
    const { token, password } = parseAcceptInvite(body);
    if (session) await session();
    const { user, membership } = await this.backends.control.verifyEmailToken({
      token,
      purpose: EmailTokenPurpose.INVITE,
      ...(password !== undefined && { newPassword: password }),
    });
    await this.audit(
      user!.id,
      'membership.accept',
      'membership',
      user!.id,
      membership!.tenant,
      requestId,
    );
    return { user: userJson(user!), membership: membershipJson(membership!) };
  }

  private async audit(
    userId: string,
    action: string,
    targetKind: string,
    targetId: string,
    tenant: string,
    requestId: string,
    details?: Record<string, string>,
  ): Promise<void> {
    await this.backends.control.appendAudit({
      actor: `user:${userId}`,
      action,
      targetKind,
      targetId,
      tenant,
      requestId,
      detailsJson: details ? JSON.stringify(details) : '',
    });
  }
}

/**
 * Rethrows the control plane's "no SMTP server" as a 503 that says what to configure (any other
 * FAILED_PRECONDITION returns to the caller to handle).
 */
function noMailer(err: RpcError): void {
  if (/SMTP/.test(err.message)) {
    throw new UnavailableError(
      'This deployment sends no mail (HUEDB_SMTP_URL is unset on the catalog): verification, reset and invites are unavailable',
    );
  }
}

/**
 * A tenant name for a new account: the address's local part reduced to [a-z0-9-] (at most 40
 * characters; "user" when nothing is left) and a random suffix, so that names are unique without
 * revealing whether a similar one exists, and never carry the domain.
 */
export function tenantNameFor(email: string): string {
  const local = email.split('@')[0] ?? '';
  const slug =
    local
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'user';
  return validateTenantName(`${slug}-${randomBytes(4).toString('hex')}`);
}
