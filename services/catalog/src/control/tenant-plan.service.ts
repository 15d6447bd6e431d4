import type { GetTenantPlanRequest, SetTenantPlanRequest, TenantPlan } from '@huedb/proto/control';
import type { Input } from '../catalog.input.js';
import { invalid, tenantNotFound } from '../catalog.errors.js';
import { requireText } from './control.input.js';
import type { ControlRepositories } from './control.repository.js';
import type { TenantPlanRow } from './tenant-plan.repository.js';

const MAX_PLAN_NAME = 64;
const MAX_OVERRIDES_BYTES = 16 * 1024;

/**
 * Tenants' plans (SetTenantPlan, GetTenantPlan). What a plan name means and which limit names
 * exist is the gateways' plan book's (configuration); here a plan is a name and the overrides a
 * JSON object whose values are whole numbers or null, checked so nothing else is ever stored.
 */
export class TenantPlanService {
  constructor(private readonly repos: ControlRepositories) {}

  async set(req: Input<SetTenantPlanRequest>): Promise<Input<TenantPlan>> {
    const plan = requireText('plan', req.plan, MAX_PLAN_NAME);
    const overrides = parseOverrides(req.limitOverridesJson === '' ? '{}' : req.limitOverridesJson);
    if (!(await this.repos.tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    return planMessage(await this.repos.tenantPlans.upsert(req.tenant, plan, overrides));
  }

  async get(req: Input<GetTenantPlanRequest>): Promise<Input<TenantPlan>> {
    const row = await this.repos.tenantPlans.find(req.tenant);
    if (row) return planMessage(row);
    if (!(await this.repos.tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    return { tenant: req.tenant, plan: '', limitOverridesJson: '{}', updatedAtMs: 0n };
  }
}

/** The overrides as stored: a JSON object of whole numbers ≥ 0 or null, re-serialized. */
function parseOverrides(json: string): string {
  if (Buffer.byteLength(json, 'utf8') > MAX_OVERRIDES_BYTES) {
    throw invalid(`limit_overrides_json may have at most ${MAX_OVERRIDES_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalid('limit_overrides_json is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('limit_overrides_json must be a JSON object');
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== null && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      throw invalid(`limit_overrides_json: ${key} must be a whole number ≥ 0 or null`);
    }
  }
  return JSON.stringify(parsed);
}

function planMessage(row: TenantPlanRow): Input<TenantPlan> {
  return {
    tenant: row.tenant,
    plan: row.plan,
    limitOverridesJson: row.limit_overrides_json,
    updatedAtMs: BigInt(row.updated_at_ms),
  };
}
