-- The control plane's identity tables (docs/decisions/0020-control-plane-location.md): users,
-- their memberships in tenants, API keys, sessions, email tokens and the audit log. Same SQL on
-- Postgres 15+ and PGlite.
--
-- Secrets are never stored: every token column holds the lowercase hex SHA-256 of a
-- high-entropy secret (API keys, sessions, CSRF, email tokens; see the decision for why a fast
-- hash is right for those) or an argon2id PHC string (passwords). Hashes are text, not bytea,
-- because the two drivers parse bytea differently.
-- Timestamps that decide whether a credential works (expires_at, revoked_at, used_at) are
-- compared with now() in SQL, so every catalog replica and the database agree on one clock.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  -- As the user typed it (shown back); `email_key` is what is unique.
  email text NOT NULL CHECK (email <> '' AND length(email) <= 320),
  -- The case-folded address (NFC, then toLowerCase, in the service). Folded in the service and
  -- not with lower() in an index: lower() follows the database's collation, which differs between
  -- a server's en_US.UTF-8 and PGlite's C locale for anything beyond ASCII.
  email_key text NOT NULL UNIQUE CHECK (email_key <> ''),
  -- NULL for an invited user who has not set a password yet (cannot log in).
  password_hash text NULL CHECK (password_hash LIKE '$argon2id$%'),
  verified_at timestamptz NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Who may act on a tenant. The tenant's ownership link is its `owner` memberships (the user
-- whose signup created it is the first one).
CREATE TABLE memberships (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  tenant text NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, tenant)
);
CREATE INDEX memberships_tenant ON memberships (tenant, created_at);

-- Keys' change counter: one row, bumped (UPDATE ... RETURNING) by every transaction that
-- creates or revokes a key, and stamped on the key. The row lock makes those transactions commit
-- in counter order, so a gateway that has seen version N has seen every change ≤ N — a sequence
-- would not give that (nextval is not transactional: N+1 can commit before N).
-- `flushed_version`: the version of the last Reset, which deletes keys without a trace per key;
-- a gateway that last saw an older version drops its whole cache.
CREATE TABLE api_key_version (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version bigint NOT NULL CHECK (version >= 0),
  flushed_version bigint NOT NULL DEFAULT 0 CHECK (flushed_version <= version)
);
INSERT INTO api_key_version (version) VALUES (0);

CREATE TABLE api_keys (
  -- The public part of `hdb_<id>_<secret>`: 16 characters of lowercase base32 (80 random bits).
  id text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{16}$'),
  -- SHA-256 of the secret part, hex.
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  tenant text NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
  -- A JSON array of database names the key is limited to; NULL = every database of the tenant.
  databases jsonb NULL CHECK (databases IS NULL OR jsonb_typeof(databases) = 'array'),
  role text NOT NULL CHECK (role IN ('read', 'read-write', 'admin')),
  -- A label for listings ("ci", "laptop").
  name text NOT NULL DEFAULT '',
  created_by uuid NULL REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NULL,
  revoked_at timestamptz NULL,
  -- Written at most once per interval per key (TouchApiKey), not on every request.
  last_used_at timestamptz NULL,
  -- api_key_version.version of the last create or revoke of this key.
  changed_version bigint NOT NULL
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);
CREATE INDEX api_keys_changed ON api_keys (changed_version);

CREATE TABLE sessions (
  -- SHA-256 (hex) of the session token the cookie carries.
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- SHA-256 (hex) of the session's CSRF token (double-submit: the console sends it in a header).
  csrf_hash text NOT NULL CHECK (csrf_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE email_tokens (
  -- SHA-256 (hex) of the token the email's link carries.
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  purpose text NOT NULL CHECK (purpose IN ('verification', 'reset', 'invite')),
  -- The account it acts on (verification, reset); NULL for an invite to an address with none.
  user_id uuid NULL REFERENCES users (id) ON DELETE CASCADE,
  email text NOT NULL,
  -- Invites only: where to and as what.
  tenant text NULL REFERENCES tenants (name) ON DELETE CASCADE,
  role text NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Set when redeemed; a token is good once.
  used_at timestamptz NULL,
  CHECK ((purpose = 'invite') = (tenant IS NOT NULL AND role IS NOT NULL)),
  CHECK (purpose = 'invite' OR user_id IS NOT NULL)
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);

-- Who did what to which key, tenant, database or collection. No foreign keys: the history of a
-- deleted tenant or user stays. Append-only, enforced below for every client of the database.
CREATE TABLE audit_log (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  -- 'user:<uuid>', 'key:<key id>', 'admin' (the bootstrap credential), 'system'.
  actor text NOT NULL CHECK (actor <> ''),
  -- e.g. 'api_key.create', 'api_key.revoke', 'user.signup', 'collection:delete'.
  action text NOT NULL CHECK (action <> ''),
  target_kind text NOT NULL CHECK (target_kind <> ''),
  target_id text NOT NULL,
  tenant text NULL,
  request_id text NULL,
  -- A flat JSON object of extra facts; NULL when none.
  details jsonb NULL CHECK (details IS NULL OR jsonb_typeof(details) = 'object')
);
CREATE INDEX audit_log_tenant ON audit_log (tenant, seq);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- SQLSTATE 55000 object_not_in_prerequisite_state; the service maps it to FAILED_PRECONDITION.
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
