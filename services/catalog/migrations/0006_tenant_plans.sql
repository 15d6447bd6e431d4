-- Tenants' plans (docs/decisions/0029-plans-and-quotas.md): which named set of limits a tenant
-- is held to, and per-limit overrides on top of it. A tenant without a row has the deployment's
-- default plan (HUEDB_PLAN). The plan book (what each plan's limits are) is configuration, kept
-- by the gateways, so a plan's name is only text here. Same SQL on Postgres 15+ and PGlite.
CREATE TABLE tenant_plans (
  tenant text PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
  plan text NOT NULL CHECK (plan <> '' AND length(plan) <= 64),
  -- limit name → whole number, or null for "no limit".
  limit_overrides jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(limit_overrides) = 'object'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
