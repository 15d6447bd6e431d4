-- Shared rate-limit buckets (docs/decisions/0027-shared-rate-limits.md): what gateways count
-- together (failed logins per account and address; later tenants' request rates), so a limit
-- holds across N gateways instead of N times over. Same SQL on Postgres 15+ and PGlite.
--
-- One row per key, a generic cell rate algorithm (GCRA, a token bucket kept as one number):
-- `tat_us` is the "theoretical arrival time" in Unix microseconds of the database's clock — the
-- bucket is full once now() reaches it, so a row whose tat_us is past says nothing a missing row
-- would not, and the sweep may delete it at any time. Every consume is one INSERT ... ON CONFLICT
-- DO UPDATE: the row lock serializes concurrent consumes of one key, on any catalog replica.
CREATE TABLE rate_limits (
  key text PRIMARY KEY CHECK (key <> '' AND length(key) <= 512),
  tat_us bigint NOT NULL,
  -- The outcome of the row's last consume (RETURNING sees only the new row, and a refusal leaves
  -- tat_us as it was, so the outcome is written beside it).
  allowed boolean NOT NULL
);
-- The sweep of full buckets.
CREATE INDEX rate_limits_tat ON rate_limits (tat_us);
