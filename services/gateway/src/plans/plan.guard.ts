import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { actionOf } from '../auth/policy.js';
import { findRequestContext } from '../context/request-context.js';
import { attachPlan } from './request-plan.js';
import { TenantPlans } from './tenant-plans.js';
import { UsageMeter } from '../usage/usage-meter.js';
import {
  RequestRateLimitedError,
  TenantRateLimiter,
  type RateState,
} from './tenant-rate-limiter.js';

/**
 * The second global guard (after RequestContextGuard has authenticated and authorized): for
 * every data route of a tenant (its tenant, databases, collections and records), resolves the
 * tenant's plan, attaches it to the request for the handlers' limit checks, and takes one
 * request from the tenant's shared rate. Every answer of such a route carries the IETF RateLimit
 * fields (`RateLimit-Policy`, `RateLimit`) when the plan has a rate; a refusal is Chroma's 429
 * with `Retry-After`. An admitted request is metered as one of the tenant's `requests`. Nothing
 * else (accounts, admin, heartbeat) is counted against a tenant.
 */
@Injectable()
export class PlanGuard implements CanActivate {
  constructor(
    @Inject(TenantPlans) private readonly plans: TenantPlans,
    @Inject(TenantRateLimiter) private readonly rates: TenantRateLimiter,
    @Inject(UsageMeter) private readonly usage: UsageMeter,
  ) {}

  async canActivate(host: ExecutionContext): Promise<boolean> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const context = findRequestContext(request);
    const action = actionOf(
      request.method === 'HEAD' ? 'GET' : request.method,
      request.routeOptions.url,
    );
    const tenant = context?.tenant ?? crnTenant(request);
    if (!context || tenant == null || !isTenantDataAction(action)) return true;
    const plan = await this.plans.of(tenant);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    attachPlan(context, plan, (name, value) => void reply.header(name, value));
    try {
      const state = await this.rates.take(tenant, plan.limits);
      if (state) setRateHeaders(reply, state);
      // Metered once admitted: a request refused for the tenant's rate costs it nothing, and
      // reading the meter is not a use of it (a console polling it would count itself).
      if (action !== 'tenant:read_usage') this.usage.count(tenant, 'requests');
    } catch (err) {
      if (err instanceof RequestRateLimitedError) {
        setRateHeaders(reply, err.state);
        void reply.header('retry-after', String(err.retryAfterSeconds));
      }
      throw err;
    }
    return true;
  }
}

/** Routes whose cost is the tenant's: `tenant:*` (but creating one), `db:*`, `collection:*`. */
function isTenantDataAction(action: string | undefined): boolean {
  if (action === undefined || action === 'tenant:create_tenant') return false;
  return (
    action.startsWith('tenant:') || action.startsWith('db:') || action.startsWith('collection:')
  );
}

/** The tenant of a CRN route (`tenant:database:collection`). */
function crnTenant(request: FastifyRequest): string | undefined {
  const crn = (request.params as { crn?: string } | undefined)?.crn;
  return crn?.split(':')[0];
}

/**
 * draft-ietf-httpapi-ratelimit-headers: the policy (quota `q` requests per `w` seconds — the
 * bucket's burst and the time it takes to refill) and the state (`r` left, full again in `t`).
 */
function setRateHeaders(reply: FastifyReply, state: RateState): void {
  void reply.header('ratelimit-policy', `"tenant";q=${state.burst};w=${state.windowSeconds}`);
  void reply.header('ratelimit', `"tenant";r=${state.remaining};t=${state.resetSeconds}`);
}
