import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Limits } from '@huedb/core';
import { Code, RpcError } from '@huedb/grpc';
import { BACKENDS, type Backends } from '../backends/backends.js';
import { applyLimitValues, PlanBook, type LimitValues } from './plan-book.js';

/** The injection token of the deployment's {@link Plans}. */
export const PLANS = Symbol('Plans');

/** A deployment's plan book and the plan of tenants that have none set (HUEDB_PLAN). */
export interface Plans {
  readonly book: PlanBook;
  readonly defaultPlan: string;
  /**
   * false: every tenant has the default plan and the control plane is never asked (an embedded
   * gateway with one set of limits, e.g. a spec's). Default true.
   */
  readonly perTenant?: boolean;
}

/** Plans in which every tenant is held to `limits` (see Plans.perTenant). */
export function fixedPlans(limits: Limits): Plans {
  return { book: PlanBook.load().with('fixed', limits), defaultPlan: 'fixed', perTenant: false };
}

/** A tenant's plan as it applies: its name, and the limits with the tenant's overrides. */
export interface TenantPlan {
  readonly plan: string;
  readonly limits: Limits;
}

/**
 * How long a tenant's plan is reused before the control plane is asked again: the bound on how
 * late a plan change reaches the OTHER gateways (the gateway that makes it forgets at once).
 */
export const PLAN_CACHE_MS = 10_000;

/**
 * Each tenant's plan and limits, from the control plane's tenant_plans (GetTenantPlan) and the
 * plan book, cached for {@link PLAN_CACHE_MS}. A tenant whose stored plan the book no longer
 * holds (a plans file that dropped it) gets the default plan with its overrides, never no limits.
 */
@Injectable()
export class TenantPlans {
  private readonly cache = new LRUCache<string, Promise<TenantPlan>>({
    max: 100_000,
    ttl: PLAN_CACHE_MS,
  });
  private readonly defaults: TenantPlan;

  constructor(
    @Inject(PLANS) private readonly plans: Plans,
    @Inject(BACKENDS) private readonly backends: Backends,
  ) {
    this.defaults = { plan: plans.defaultPlan, limits: plans.book.require(plans.defaultPlan) };
  }

  /** The default plan's limits: for routes that name no tenant. */
  get defaultLimits(): Limits {
    return this.defaults.limits;
  }

  /** The plan book (the admin API checks names against it). */
  get book(): PlanBook {
    return this.plans.book;
  }

  /** The tenant's plan (the default plan for a tenant that does not exist). */
  async of(tenant: string): Promise<TenantPlan> {
    if (this.plans.perTenant === false) return this.defaults;
    let entry = this.cache.get(tenant);
    if (!entry) {
      entry = this.load(tenant);
      this.cache.set(tenant, entry);
      // A failure (unknown tenant, control plane down) is not kept: the next request asks again.
      entry.catch(() => this.cache.delete(tenant));
    }
    return entry;
  }

  /** Limits of the tenant's plan. */
  async limitsOf(tenant: string): Promise<Limits> {
    return (await this.of(tenant)).limits;
  }

  /** Forgets every tenant's plan (after a Reset). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** Forgets a tenant's plan (after this gateway changed it). */
  forget(tenant: string): void {
    this.cache.delete(tenant);
  }

  private async load(tenant: string): Promise<TenantPlan> {
    let stored;
    try {
      stored = (await this.backends.control.getTenantPlan({ tenant })).plan!;
    } catch (err) {
      // No such tenant: the route answers that in its own words; until then, the default plan.
      if (RpcError.is(err, Code.NOT_FOUND)) return this.defaults;
      throw err;
    }
    const base = (stored.plan !== '' && this.plans.book.get(stored.plan)) || undefined;
    // The control plane stores only whole numbers and nulls; names the book does not know (a
    // limit since removed) are skipped by applyLimitValues.
    const values = JSON.parse(stored.limitOverridesJson || '{}') as LimitValues;
    if (!base) {
      if (stored.plan === '' && Object.keys(values).length === 0) return this.defaults;
      return { plan: this.defaults.plan, limits: applyLimitValues(this.defaults.limits, values) };
    }
    return { plan: stored.plan, limits: applyLimitValues(base, values) };
  }
}
