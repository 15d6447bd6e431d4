import { ms, SqlRepository } from '../sql/sql-repository.js';

/** An `api_keys` row as read (times as Unix-ms text, databases as JSON text). */
export interface ApiKeyRow {
  id: string;
  secret_hash: string;
  tenant: string;
  databases_json: string | null;
  role: string;
  name: string;
  created_by: string | null;
  created_at_ms: string;
  expires_at_ms: string | null;
  revoked_at_ms: string | null;
  last_used_at_ms: string | null;
  /** Whether it works now (not revoked, not expired), by the database's clock. */
  live: boolean;
}

/** Where the keys' change counter stands. */
export interface KeysVersionRow {
  version: string;
  flushed_version: string;
}

const KEY = `id, secret_hash, tenant, databases::text AS databases_json, role, name,
  created_by::text, ${ms('created_at')} AS created_at_ms, ${ms('expires_at')} AS expires_at_ms,
  ${ms('revoked_at')} AS revoked_at_ms, ${ms('last_used_at')} AS last_used_at_ms,
  (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS live`;

/** Changes a ListKeyChanges answer names at most; a caller further behind flushes its cache. */
export const MAX_LISTED_CHANGES = 1000;

/** The `api_keys` table and its change counter (`api_key_version`). */
export class ApiKeyRepository extends SqlRepository {
  /**
   * Bumps the change counter and returns the new version. Call inside the transaction that makes
   * the change: the counter row stays locked until it commits (see migration 0004).
   */
  async bumpVersion(): Promise<bigint> {
    const row = await this.one<{ version: string }>(
      `UPDATE api_key_version SET version = version + 1 RETURNING version::text`,
    );
    return BigInt(row!.version);
  }

  async insert(key: {
    id: string;
    secretHash: string;
    tenant: string;
    databases: readonly string[] | null;
    role: string;
    name: string;
    createdBy: string | null;
    expiresAtMs: bigint | null;
    version: bigint;
  }): Promise<ApiKeyRow> {
    const row = await this.one<ApiKeyRow>(
      `INSERT INTO api_keys (id, secret_hash, tenant, databases, role, name, created_by,
                             expires_at, changed_version)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7,
               to_timestamp($8::int8 / 1000.0), $9::int8)
       RETURNING ${KEY}`,
      [
        key.id,
        key.secretHash,
        key.tenant,
        key.databases === null ? null : JSON.stringify(key.databases),
        key.role,
        key.name,
        key.createdBy,
        key.expiresAtMs === null ? null : key.expiresAtMs.toString(),
        key.version.toString(),
      ],
    );
    return row!;
  }

  /**
   * A key and the counter's version, read in ONE statement (one snapshot): a change committed
   * after this read has a greater version, so a cache entry tagged with it learns of the change.
   */
  async findWithVersion(id: string): Promise<(ApiKeyRow & { keys_version: string }) | undefined> {
    return this.one<ApiKeyRow & { keys_version: string }>(
      `SELECT ${KEY}, (SELECT version::text FROM api_key_version) AS keys_version
         FROM api_keys WHERE id = $1`,
      [id],
    );
  }

  /** A key, locked until the transaction ends (revocation). */
  async findForUpdate(id: string): Promise<ApiKeyRow | undefined> {
    return this.one<ApiKeyRow>(`SELECT ${KEY} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
  }

  async revoke(id: string, version: bigint): Promise<ApiKeyRow> {
    const row = await this.one<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = now(), changed_version = $2::int8 WHERE id = $1
       RETURNING ${KEY}`,
      [id, version.toString()],
    );
    return row!;
  }

  async list(tenant: string, includeRevoked: boolean): Promise<ApiKeyRow[]> {
    return this.q<ApiKeyRow>(
      `SELECT ${KEY} FROM api_keys WHERE tenant = $1 AND ($2::boolean OR revoked_at IS NULL)
        ORDER BY created_at, id`,
      [tenant, includeRevoked],
    );
  }

  /**
   * Sets last_used_at to now for those of `ids` not touched in the last `throttleMs`: a busy key
   * costs one row write per interval, not one per request. Returns how many moved.
   */
  async touch(ids: readonly string[], throttleMs: number): Promise<number> {
    const rows = await this.q<{ id: string }>(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))
          AND (last_used_at IS NULL
               OR last_used_at < now() - $2::int8 * interval '1 millisecond')
        RETURNING id`,
      [JSON.stringify(ids), throttleMs],
    );
    return rows.length;
  }

  async version(): Promise<KeysVersionRow> {
    const row = await this.one<KeysVersionRow>(
      `SELECT version::text, flushed_version::text FROM api_key_version`,
    );
    return row!;
  }

  /**
   * The keys changed after `since` (up to MAX_LISTED_CHANGES + 1 of them, oldest change first)
   * and the version they bring the caller to, in one snapshot.
   */
  async changesSince(since: bigint): Promise<KeysVersionRow & { ids_json: string }> {
    const row = await this.one<KeysVersionRow & { ids_json: string }>(
      `SELECT v.version::text, v.flushed_version::text,
              coalesce((SELECT jsonb_agg(c.id ORDER BY c.changed_version, c.id) FROM (
                 SELECT id, changed_version FROM api_keys
                  WHERE changed_version > $1::int8 AND changed_version <= v.version
                  ORDER BY changed_version LIMIT ${MAX_LISTED_CHANGES + 1}) c), '[]')::text AS ids_json
         FROM api_key_version v`,
      [since.toString()],
    );
    return row!;
  }
}
