import { ms, SqlRepository } from '../sql/sql-repository.js';

/** A `tenant_plans` row as read. */
export interface TenantPlanRow {
  tenant: string;
  plan: string;
  limit_overrides_json: string;
  updated_at_ms: string;
}

const ROW = `tenant, plan, limit_overrides::text AS limit_overrides_json, ${ms('updated_at')} AS updated_at_ms`;

/** The `tenant_plans` table (migration 0006): one row per tenant with a plan set. */
export class TenantPlanRepository extends SqlRepository {
  /** Sets (inserts or replaces) a tenant's plan and overrides. */
  async upsert(tenant: string, plan: string, overridesJson: string): Promise<TenantPlanRow> {
    const row = await this.one<TenantPlanRow>(
      `INSERT INTO tenant_plans (tenant, plan, limit_overrides) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (tenant) DO UPDATE SET plan = EXCLUDED.plan,
         limit_overrides = EXCLUDED.limit_overrides, updated_at = now()
       RETURNING ${ROW}`,
      [tenant, plan, overridesJson],
    );
    return row!;
  }

  async find(tenant: string): Promise<TenantPlanRow | undefined> {
    return this.one<TenantPlanRow>(`SELECT ${ROW} FROM tenant_plans WHERE tenant = $1`, [tenant]);
  }
}
