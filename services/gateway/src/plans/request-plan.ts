import { assertWithinLimit, type Limits } from '@huedb/core';
import type { RequestContext } from '../context/request-context.js';
import type { TenantPlan } from './tenant-plans.js';

const plans = new WeakMap<RequestContext, TenantPlan>();

/** Attaches the tenant's plan to a request (PlanGuard). */
export function attachPlan(context: RequestContext, plan: TenantPlan): void {
  plans.set(context, plan);
}

/**
 * The limits a request is held to: its tenant's plan (attached by PlanGuard before the handler
 * runs), or `fallback` (the default plan) on routes that name no tenant.
 */
export function limitsOf(context: RequestContext, fallback: Limits): Limits {
  return plans.get(context)?.limits ?? fallback;
}

/**
 * A counting limit as the catalog takes it (`max_collections`, `max_databases`: 0 = none). A
 * limit of 0 ("none allowed") cannot be said that way: it is refused here, before any call.
 */
export function catalogLimit(limit: number, usage: string, action: string): bigint {
  if (!Number.isFinite(limit)) return 0n;
  if (limit === 0) assertWithinLimit(usage, action, 1, 0);
  return BigInt(limit);
}
