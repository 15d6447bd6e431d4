import type { Mailer } from '@huedb/service';
import type { SqlDriver } from '../sql/sql-driver.js';
import { ApiKeyService } from './api-key.service.js';
import { AuditService } from './audit.service.js';
import { ControlRepositories } from './control.repository.js';
import { IdempotencyService } from './idempotency.service.js';
import { IdentityService } from './identity.service.js';
import { RateLimitService } from './rate-limit.service.js';
import { TenantPlanService } from './tenant-plan.service.js';
import { UsageService } from './usage.service.js';

/** Options of {@link ControlService}. */
export interface ControlServiceOptions {
  /** Sends verification, reset and invite mails (IssueEmailToken with a link template). */
  mailer?: Mailer;
}

/**
 * The control plane's rules (proto/huedb/control/v1/control.proto), one service per concern, on
 * the catalog's database but with classes and tables of their own
 * (docs/decisions/0020-control-plane-location.md). The transport (control.grpc.ts) calls exactly
 * one method of one of these per RPC.
 */
export class ControlService {
  readonly identity: IdentityService;
  readonly apiKeys: ApiKeyService;
  readonly audit: AuditService;
  readonly rateLimits: RateLimitService;
  readonly tenantPlans: TenantPlanService;
  readonly usage: UsageService;
  readonly idempotency: IdempotencyService;

  constructor(repositories: ControlRepositories, options: ControlServiceOptions = {}) {
    this.identity = new IdentityService(repositories, options.mailer);
    this.apiKeys = new ApiKeyService(repositories);
    this.audit = new AuditService(repositories);
    this.rateLimits = new RateLimitService(repositories.rateLimits);
    this.tenantPlans = new TenantPlanService(repositories);
    this.usage = new UsageService(repositories);
    this.idempotency = new IdempotencyService(repositories);
  }

  /** The control plane on a driver whose schema is migrated. */
  static on(driver: SqlDriver, options: ControlServiceOptions = {}): ControlService {
    return new ControlService(new ControlRepositories(driver), options);
  }
}
