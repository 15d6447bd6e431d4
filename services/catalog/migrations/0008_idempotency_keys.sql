-- Idempotency keys of writes (docs/decisions/0031-idempotent-writes.md). Same SQL on Postgres 15+
-- and PGlite.

-- One row per (tenant, key) a client sent with a write: 'pending' while a request holds it (until
-- lease_until), 'done' with the answer to replay until expires_at. No foreign key to tenants: a
-- row is short-lived and removed once expired.
CREATE TABLE idempotency_keys (
  tenant text NOT NULL,
  key text NOT NULL CHECK (key <> '' AND length(key) <= 255),
  fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  lease_until timestamptz NOT NULL,
  status integer,
  body text,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
