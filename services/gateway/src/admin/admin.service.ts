import { Inject, Injectable } from '@nestjs/common';
import { Code, RpcError } from '@huedb/grpc';
import {
  MemberRole,
  type ApiKey,
  type TenantPlan as TenantPlanMessage,
  type User,
} from '@huedb/proto/control';
import { InvalidArgumentError, NotFoundError, validateTenantName } from '@huedb/core';
import { BACKENDS, type Backends } from '../backends/backends.js';
import {
  tenantOf,
  type Principal,
  type RequestContext,
  type Role,
} from '../context/request-context.js';
import { bodyValidator } from '../http/body-schema.js';
import { permissionDenied, ROLE_RANK } from '../auth/policy.js';
import {
  adminUserJson,
  auditJson,
  KEY_ROLES,
  keyJson,
  MEMBER_ROLES,
  memberJson,
} from '../accounts/accounts.json.js';
import { limitValuesOf } from '../plans/plan-book.js';
import { TenantPlans } from '../plans/tenant-plans.js';
import * as schemas from './admin.schemas.js';
import { UsageMeter } from '../usage/usage-meter.js';
import { readUsage, type UsageAnswer, type UsageParams } from '../usage/usage-route.js';

const parseCreateUser = bodyValidator<schemas.CreateUserBody>(schemas.createUserSchema);
const parseCreateTenant = bodyValidator<schemas.CreateTenantBody>(schemas.createTenantSchema);
const parseAddMember = bodyValidator<schemas.AddMemberBody>(schemas.addMemberSchema);
const parseCreateKey = bodyValidator<schemas.CreateKeyBody>(schemas.createKeySchema);
const parseSetPlan = bodyValidator<schemas.SetPlanBody>(schemas.setPlanSchema);

export const DEFAULT_DATABASE = 'default_database';
const MAX_AUDIT_PAGE = 1000;

/** What the audit log reader was asked for (query parameters, already parsed). */
export interface AuditQuery {
  limit?: number | undefined;
  beforeMs?: number | undefined;
}

/**
 * The operator admin API (decision 0025): users and tenants for the bootstrap admin; members,
 * keys and the audit log of a tenant for it and the tenant's admin keys. Who may call which route
 * is the route policy's (auth/policy.ts, checked before any handler); what is left here is what
 * depends on the body or the target: a key may not mint or revoke beyond its own reach, and
 * only the operator makes owners. Every change appends an audit entry whose actor is the
 * principal's subject (`admin`, `key:<id>`).
 */
@Injectable()
export class AdminService {
  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(TenantPlans) private readonly plans: TenantPlans,
    @Inject(UsageMeter) private readonly meter: UsageMeter,
  ) {}

  private get control() {
    return this.backends.control;
  }

  async createUser(ctx: RequestContext, body: unknown): Promise<object> {
    const input = parseCreateUser(body);
    const { user } = await this.control.createUser({
      email: input.email,
      ...(input.password !== undefined && { password: input.password }),
      verified: input.email_verified ?? true,
    });
    await this.audit(ctx, 'user.create', 'user', user!.id, undefined, {
      verified: String(input.email_verified ?? true),
    });
    return adminUserJson(user!);
  }

  async getUser(email: unknown): Promise<object> {
    // Absent, empty, or repeated (?email=a&email=b parses to an array): say what is wanted.
    if (typeof email !== 'string' || email === '') {
      throw new InvalidArgumentError('Give one email query parameter');
    }
    return adminUserJson(await this.userByEmail(email));
  }

  /** The tenant, its default_database and, when asked, its owner: all before any change, 404s. */
  async createTenant(ctx: RequestContext, body: unknown): Promise<object> {
    const { name, owner_email } = parseCreateTenant(body);
    validateTenantName(name);
    const owner = owner_email === undefined ? undefined : await this.userByEmail(owner_email);
    await this.backends.catalog.createTenant({ name });
    await this.backends.catalog.createDatabase({ tenant: name, name: DEFAULT_DATABASE });
    await this.audit(ctx, 'tenant.create', 'tenant', name, name);
    if (owner) {
      await this.control.addMembership({ userId: owner.id, tenant: name, role: MemberRole.OWNER });
      await this.audit(ctx, 'membership.add', 'membership', owner.id, name, { role: 'owner' });
    }
    return { name, database: DEFAULT_DATABASE };
  }

  async addMember(ctx: RequestContext, body: unknown): Promise<object> {
    const { email, role } = parseAddMember(body);
    const tenant = await this.existingTenant(ctx);
    // An owner outranks every key: only the operator makes one (the accounts API's invites
    // cannot either).
    if (role === 'owner' && !isOperator(ctx.principal)) throw permissionDenied();
    const user = await this.userByEmail(email);
    const { membership } = await this.control.addMembership({
      userId: user.id,
      tenant,
      role: MEMBER_ROLES[role],
    });
    await this.audit(ctx, 'membership.add', 'membership', user.id, tenant, { role });
    return memberJson({ ...membership!, email: user.email });
  }

  async listMembers(ctx: RequestContext): Promise<object> {
    const tenant = await this.existingTenant(ctx);
    const { memberships } = await this.control.listMemberships({ tenant });
    return { members: memberships.map(memberJson) };
  }

  async createKey(ctx: RequestContext, body: unknown): Promise<object> {
    const input = parseCreateKey(body);
    const tenant = await this.existingTenant(ctx);
    const request = {
      databases: input.databases ?? [],
      role: input.role ?? 'read_write',
      ...(input.expires_at_ms !== undefined && { expiresAtMs: input.expires_at_ms }),
    };
    if (!withinReach(ctx.principal, request)) throw permissionDenied();
    const principal = ctx.principal as Extract<Principal, { kind: 'authenticated' }>;
    const { key, secret } = await this.control.createApiKey({
      tenant,
      databases: request.databases,
      role: KEY_ROLES[request.role],
      name: input.name ?? '',
      ...(principal.userId !== '' && { createdBy: principal.userId }),
      ...(input.expires_at_ms !== undefined && { expiresAtMs: BigInt(input.expires_at_ms) }),
    });
    await this.audit(ctx, 'api_key.create', 'api_key', key!.id, tenant, {
      role: request.role,
      databases: request.databases.join(','),
    });
    return { key: keyJson(key!), secret };
  }

  /** The tenant's live keys; a database-scoped caller sees only those within its own reach. */
  async listKeys(ctx: RequestContext): Promise<object> {
    const tenant = await this.existingTenant(ctx);
    const { keys } = await this.control.listApiKeys({ tenant });
    return { keys: keys.filter((k) => keyWithinReach(ctx.principal, k)).map(keyJson) };
  }

  /**
   * Revokes a key of the tenant. One beyond the caller's reach (an unscoped key, for a
   * database-scoped caller) is a 404 like a key of another tenant: the listing does not show it.
   */
  async revokeKey(ctx: RequestContext, keyId: string): Promise<object> {
    const tenant = await this.existingTenant(ctx);
    const { keys } = await this.control.listApiKeys({ tenant, includeRevoked: true });
    const target = keys.find((k) => k.id === keyId);
    if (!target || !keyWithinReach(ctx.principal, target)) {
      throw new NotFoundError(`API key [${keyId}] not found`);
    }
    const { key } = await this.control.revokeApiKey({ keyId, tenant });
    await this.audit(ctx, 'api_key.revoke', 'api_key', keyId, tenant);
    return { key: keyJson(key!) };
  }

  /** The tenant's audit log, newest first, optionally before a time. */
  async readAudit(ctx: RequestContext, query: AuditQuery): Promise<object> {
    if (query.limit !== undefined && (query.limit < 1 || query.limit > MAX_AUDIT_PAGE)) {
      throw new InvalidArgumentError(`limit must be between 1 and ${MAX_AUDIT_PAGE}`);
    }
    const tenant = await this.existingTenant(ctx);
    const { entries } = await this.control.listAudit({
      tenant,
      newestFirst: true,
      limit: query.limit ?? 100,
      ...(query.beforeMs !== undefined && { beforeMs: BigInt(query.beforeMs) }),
    });
    return { entries: entries.map(auditJson) };
  }

  /**
   * Sets the tenant's plan and overrides (the operator only: a tenant must not raise its own
   * limits). The plan must be in this gateway's plan book; this gateway applies it at once,
   * the others within PLAN_CACHE_MS.
   */
  async setPlan(ctx: RequestContext, body: unknown): Promise<object> {
    const input = parseSetPlan(body);
    const tenant = tenantOf(ctx);
    this.plans.book.require(input.plan);
    const overrides = input.overrides ?? {};
    const { plan } = await this.control.setTenantPlan({
      tenant,
      plan: input.plan,
      limitOverridesJson: JSON.stringify(overrides),
    });
    this.plans.forget(tenant);
    await this.audit(ctx, 'tenant.set_plan', 'tenant', tenant, tenant, {
      plan: input.plan,
      overrides: JSON.stringify(overrides),
    });
    return this.planJson(tenant, plan!);
  }

  async getPlan(ctx: RequestContext): Promise<object> {
    const tenant = tenantOf(ctx);
    const { plan } = await this.control.getTenantPlan({ tenant });
    return this.planJson(tenant, plan!);
  }

  /** The tenant's metered usage (404 for an unknown tenant: the control plane checks). */
  async readUsage(ctx: RequestContext, params: UsageParams): Promise<UsageAnswer> {
    return readUsage(this.backends, this.meter, tenantOf(ctx), params);
  }

  private async planJson(tenant: string, stored: TenantPlanMessage): Promise<object> {
    const applied = await this.plans.of(tenant);
    return {
      tenant,
      plan: applied.plan,
      is_default: stored.plan === '',
      overrides: JSON.parse(stored.limitOverridesJson || '{}') as object,
      limits: limitValuesOf(applied.limits),
      updated_at_ms: Number(stored.updatedAtMs),
    };
  }

  /** The route's tenant, 404 when it does not exist (so every tenant route answers alike). */
  private async existingTenant(ctx: RequestContext): Promise<string> {
    const name = tenantOf(ctx);
    await this.backends.catalog.getTenant({ name });
    return name;
  }

  private async userByEmail(email: string): Promise<User> {
    try {
      return (await this.control.getUser({ email })).user!;
    } catch (err) {
      if (err instanceof RpcError && err.code === Code.NOT_FOUND) {
        throw new NotFoundError(`No user has the email [${email}]`);
      }
      throw err;
    }
  }

  private async audit(
    ctx: RequestContext,
    action: string,
    targetKind: string,
    targetId: string,
    tenant: string | undefined,
    details?: Record<string, string>,
  ): Promise<void> {
    const { principal } = ctx;
    await this.control.appendAudit({
      actor: principal.kind === 'authenticated' ? principal.subject : 'anonymous',
      action,
      targetKind,
      targetId,
      ...(tenant !== undefined && { tenant }),
      requestId: ctx.requestId,
      detailsJson: details ? JSON.stringify(details) : '',
    });
  }
}

/** The bootstrap admin credential (every tenant). */
function isOperator(principal: Principal): boolean {
  return principal.kind === 'authenticated' && principal.tenant === null;
}

/**
 * Whether `principal` may mint a key with this reach: no higher role, no database it cannot
 * reach itself (an unscoped key reaches every database, so a database-scoped caller must name a
 * subset of its own), and no longer life than its own.
 */
export function withinReach(
  principal: Principal,
  key: { databases: readonly string[]; role: Role; expiresAtMs?: number },
): boolean {
  if (principal.kind !== 'authenticated') return false;
  if (isOperator(principal)) return true;
  if (ROLE_RANK[key.role] > ROLE_RANK[principal.role]) return false;
  if (principal.databases.length > 0) {
    if (key.databases.length === 0) return false;
    if (!key.databases.every((d) => principal.databases.includes(d))) return false;
  }
  if (principal.expiresAtMs !== undefined) {
    if (key.expiresAtMs === undefined || key.expiresAtMs > principal.expiresAtMs) return false;
  }
  return true;
}

/** {@link withinReach} for an existing key (listing, revocation). */
function keyWithinReach(principal: Principal, key: ApiKey): boolean {
  if (principal.kind !== 'authenticated' || principal.databases.length === 0) return true;
  return key.databases.length > 0 && key.databases.every((d) => principal.databases.includes(d));
}
