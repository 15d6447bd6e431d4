-- The catalog's tables. Keep to SQL that Postgres 15 and 18 (PGlite) both accept.
--
-- Databases and collections are deleted softly (deleted_at): their ids stay known, so the log and
-- the garbage collector can still purge and list what belonged to them, while the partial unique
-- indexes below free the NAME the moment the row is marked deleted.
-- `seq` (an identity column) is the listing order: creation order, strictly monotonic even for
-- rows created in the same transaction (created_at is the transaction's start time).

CREATE TABLE tenants (
  name text PRIMARY KEY CHECK (name <> ''),
  -- Chroma's resource_name; NULL when unset, unique when set.
  resource_name text NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_resource_name_key ON tenants (resource_name)
  WHERE resource_name IS NOT NULL;

CREATE TABLE databases (
  id uuid PRIMARY KEY,
  tenant text NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
  name text NOT NULL CHECK (name <> ''),
  seq bigint GENERATED ALWAYS AS IDENTITY,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz NULL
);
CREATE UNIQUE INDEX databases_live_name_key ON databases (tenant, name)
  WHERE deleted_at IS NULL;
CREATE INDEX databases_live_order ON databases (tenant, seq) WHERE deleted_at IS NULL;

CREATE TABLE collections (
  id uuid PRIMARY KEY,
  database_id uuid NOT NULL REFERENCES databases (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (name <> ''),
  -- A flat JSON object; NULL when the collection has none. Integral floats are written with a
  -- fraction (1.0), which jsonb's numeric keeps, so ints and floats stay apart.
  metadata jsonb NULL,
  -- Stored verbatim (text, not jsonb) so the gateway reads back exactly what it normalized.
  configuration_json text NOT NULL,
  -- NULL when no schema was given.
  schema_json text NULL,
  -- NULL until the first write fixes it.
  dimension integer NULL CHECK (dimension > 0),
  -- Every log batch below this position is in segment `version` (exclusive). Never decreases.
  log_position bigint NOT NULL DEFAULT 0 CHECK (log_position >= 0),
  version bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  -- The object-store key of the current version's manifest; '' while version is 0.
  segment_manifest_key text NOT NULL DEFAULT '',
  seq bigint GENERATED ALWAYS AS IDENTITY,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz NULL
);
CREATE UNIQUE INDEX collections_live_name_key ON collections (database_id, name)
  WHERE deleted_at IS NULL;
CREATE INDEX collections_live_order ON collections (database_id, seq) WHERE deleted_at IS NULL;

CREATE TABLE segment_versions (
  collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  version bigint NOT NULL CHECK (version >= 1),
  log_position bigint NOT NULL CHECK (log_position >= 0),
  manifest_key text NOT NULL,
  record_count bigint NOT NULL CHECK (record_count >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, version)
);

-- Live service instances. heartbeat_at is always the catalog's clock (now()), never the member's.
CREATE TABLE members (
  role text NOT NULL CHECK (role <> ''),
  id text NOT NULL CHECK (id <> ''),
  address text NOT NULL DEFAULT '',
  heartbeat_at timestamptz NOT NULL,
  PRIMARY KEY (role, id)
);
