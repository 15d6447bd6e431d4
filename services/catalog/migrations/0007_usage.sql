-- Usage metering (docs/decisions/0030-usage-metering.md). Same SQL on Postgres 15+ and PGlite.

-- A tenant's use per hour and metric. Counters (records_written, queries, ...) are sums; gauges
-- (stored_records, stored_bytes) hold the hour's latest reading. No foreign key to tenants: usage
-- outlives the tenant it was billed to.
CREATE TABLE usage_hourly (
  tenant text NOT NULL,
  hour timestamptz NOT NULL CHECK (date_trunc('hour', hour) = hour),
  metric text NOT NULL CHECK (metric <> '' AND length(metric) <= 64),
  value bigint NOT NULL CHECK (value >= 0),
  PRIMARY KEY (tenant, hour, metric)
);

-- The last report applied from each reporter (a gateway process): a report at or below it is a
-- retry and is not counted again. Rows of reporters gone for a week are removed.
CREATE TABLE usage_reporters (
  reporter text PRIMARY KEY CHECK (reporter <> '' AND length(reporter) <= 128),
  last_sequence bigint NOT NULL CHECK (last_sequence >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A collection's stored size as of its last compaction (its current version's).
ALTER TABLE collections ADD COLUMN stored_records bigint NOT NULL DEFAULT 0
  CHECK (stored_records >= 0);
ALTER TABLE collections ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0
  CHECK (stored_bytes >= 0);
