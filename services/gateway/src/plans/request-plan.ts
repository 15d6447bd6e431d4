import { assertWithinLimit, type Limits } from '@huedb/core';
import type { RequestContext } from '../context/request-context.js';
import type { TenantPlan } from './tenant-plans.js';

/** Where a request's answer headers go (the reply's header setter). */
type SetHeader = (name: string, value: string) => void;

const plans = new WeakMap<RequestContext, { plan: TenantPlan; setHeader: SetHeader }>();

/** Attaches the tenant's plan, and where headroom headers go, to a request (PlanGuard). */
export function attachPlan(context: RequestContext, plan: TenantPlan, setHeader: SetHeader): void {
  plans.set(context, { plan, setHeader });
}

/**
 * Tells the client how much of a counting quota is left after this request
 * (`HueDB-Quota: "<quota>";r=<left>;q=<limit>`), so it can slow down before it is refused; the
 * request rate's are the IETF RateLimit fields (PlanGuard). Nothing on a request without a plan.
 */
export function noteHeadroom(
  context: RequestContext,
  quota: string,
  left: number,
  limit: number,
): void {
  plans.get(context)?.setHeader('huedb-quota', `"${quota}";r=${Math.max(0, left)};q=${limit}`);
}

/**
 * The limits a request is held to: its tenant's plan (attached by PlanGuard before the handler
 * runs), or `fallback` (the default plan) on routes that name no tenant.
 */
export function limitsOf(context: RequestContext, fallback: Limits): Limits {
  return plans.get(context)?.plan.limits ?? fallback;
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
