import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { TenantRepository } from '../tenant.repository.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { AuditRepository } from './audit.repository.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { RateLimitRepository } from './rate-limit.repository.js';
import { TenantPlanRepository } from './tenant-plan.repository.js';
import { UsageRepository } from './usage.repository.js';
import { EmailTokenRepository, SessionRepository } from './token.repository.js';
import { MembershipRepository, UserRepository } from './user.repository.js';

/**
 * The control plane's repositories on one executor (the driver, or one transaction's), as
 * CatalogRepositories is for the catalog's. `tenants` is the catalog's own repository, read-only
 * here: the control plane checks that a tenant exists but creates none itself (the catalog's
 * CreateTenant does, called by whoever runs signup).
 */
export class ControlRepositories {
  readonly users: UserRepository;
  readonly memberships: MembershipRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly sessions: SessionRepository;
  readonly emailTokens: EmailTokenRepository;
  readonly audit: AuditRepository;
  readonly rateLimits: RateLimitRepository;
  readonly tenants: TenantRepository;
  readonly tenantPlans: TenantPlanRepository;
  readonly usage: UsageRepository;
  readonly idempotency: IdempotencyRepository;

  constructor(private readonly sql: SqlDriver | SqlExecutor) {
    this.users = new UserRepository(sql);
    this.memberships = new MembershipRepository(sql);
    this.apiKeys = new ApiKeyRepository(sql);
    this.sessions = new SessionRepository(sql);
    this.emailTokens = new EmailTokenRepository(sql);
    this.audit = new AuditRepository(sql);
    this.rateLimits = new RateLimitRepository(sql);
    this.tenants = new TenantRepository(sql);
    this.tenantPlans = new TenantPlanRepository(sql);
    this.usage = new UsageRepository(sql);
    this.idempotency = new IdempotencyRepository(sql);
  }

  /** Runs `fn` with repositories bound to one transaction (see SqlDriver.transaction). */
  transaction<T>(fn: (tx: ControlRepositories) => Promise<T>): Promise<T> {
    const sql = this.sql;
    if (!('transaction' in sql)) throw new Error('nested transactions are not supported');
    return sql.transaction((tx) => fn(new ControlRepositories(tx)));
  }
}
