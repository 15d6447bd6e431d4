import { Code, RpcError } from '@huedb/grpc';
import {
  isDataException,
  type SqlDriver,
  type SqlExecutor,
  type SqlParam,
} from './sql/sql-driver.js';

/*
 * Row types: what the SELECTs below return. Every int8 and timestamp is cast to text in SQL
 * (drivers disagree on how they parse them), jsonb too (see metadata.mapper.ts).
 */

/** A `tenants` row. */
export interface TenantRow {
  name: string;
  resource_name: string | null;
}

/** A live `databases` row. */
export interface DatabaseRow {
  id: string;
  name: string;
  tenant: string;
}

/** A `collections` row joined with its database's tenant and name. */
export interface CollectionRow {
  id: string;
  name: string;
  tenant: string;
  database: string;
  database_id: string;
  /** jsonb as text; null when the collection has no metadata. */
  metadata: string | null;
  configuration_json: string;
  schema_json: string | null;
  dimension: number | null;
  /** int8 as decimal text. */
  log_position: string;
  /** int8 as decimal text. */
  version: string;
  segment_manifest_key: string;
  /** Unix milliseconds as decimal text. */
  created_at_ms: string;
  /** The lineage root (UUID text); null for a collection that is no fork. */
  root_collection_id: string | null;
  /** jsonb as text: a fork's {@link ParentTailJson} array; null when it has none. */
  parent_tails: string | null;
  /** int8 as decimal text. */
  compacted_records: string;
}

/** One element of `collections.parent_tails` (positions as decimal text: int8 exceeds JSON's). */
export interface ParentTailJson {
  collection_id: string;
  from: string;
  to: string;
}

/** A `segment_versions` row. */
export interface SegmentVersionRow {
  collection_id: string;
  version: string;
  log_position: string;
  manifest_key: string;
  record_count: string;
  created_at_ms: string;
}

/** A `members` row. */
export interface MemberRow {
  role: string;
  id: string;
  address: string;
  heartbeat_at_ms: string;
}

/** Where a tenant/database pair leads: whether the tenant exists, and the live database if any. */
export interface Scope {
  tenantExists: boolean;
  database: DatabaseRow | undefined;
}

/** The columns of a new collection. */
export interface NewCollection {
  id: string;
  databaseId: string;
  name: string;
  /** JSON text, or null for none. */
  metadataJson: string | null;
  configurationJson: string;
  /** JSON text, or null for none. */
  schemaJson: string | null;
}

/** Changes to a collection; an undefined member is left as it is. */
export interface CollectionChanges {
  name?: string;
  /** JSON text, replacing the old metadata wholesale. */
  metadataJson?: string;
  configurationJson?: string;
  schemaJson?: string;
}

/** The id of Chroma's `default_database` (fixed, as in Chroma). */
export const DEFAULT_DATABASE_ID = '00000000-0000-0000-0000-000000000000';
/** The tenant that always exists. */
export const DEFAULT_TENANT = 'default_tenant';
/** The database that always exists in {@link DEFAULT_TENANT}. */
export const DEFAULT_DATABASE = 'default_database';

const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::int8::text`;

const COLLECTION_COLUMNS = `
  c.id::text AS id, c.name, d.tenant, d.name AS database, c.database_id::text AS database_id,
  c.metadata::text AS metadata, c.configuration_json, c.schema_json, c.dimension,
  c.log_position::text AS log_position, c.version::text AS version, c.segment_manifest_key,
  ${ms('c.created_at')} AS created_at_ms, c.root_collection_id::text AS root_collection_id,
  c.parent_tails::text AS parent_tails, c.compacted_records::text AS compacted_records`;

const SEGMENT_VERSION_COLUMNS = `
  collection_id::text AS collection_id, version::text AS version,
  log_position::text AS log_position, manifest_key, record_count::text AS record_count,
  ${ms('created_at')} AS created_at_ms`;

/**
 * All of the catalog's SQL. Methods answer "not there" with undefined and let the caller decide
 * what that means; unique violations propagate (the caller knows which name was taken). A value
 * the database cannot hold (SQLSTATE class 22, e.g. a NUL character in a name) is the request's
 * fault and becomes INVALID_ARGUMENT here, the one place every statement passes through.
 */
export class CatalogRepository {
  /** On a driver; or, inside {@link transaction}, on that transaction's executor. */
  constructor(private readonly sql: SqlDriver | SqlExecutor) {}

  /** Runs `fn` with a repository bound to one transaction (see SqlDriver.transaction). */
  transaction<T>(fn: (tx: CatalogRepository) => Promise<T>): Promise<T> {
    const sql = this.sql;
    if (!('transaction' in sql)) throw new Error('nested transactions are not supported');
    return sql.transaction((tx) => fn(new CatalogRepository(tx)));
  }

  // Tenants

  /** Inserts a tenant; undefined when the name is taken. */
  async insertTenant(name: string): Promise<TenantRow | undefined> {
    return this.one<TenantRow>(
      `INSERT INTO tenants (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name, resource_name`,
      [name],
    );
  }

  async findTenant(name: string): Promise<TenantRow | undefined> {
    return this.one<TenantRow>(`SELECT name, resource_name FROM tenants WHERE name = $1`, [name]);
  }

  /** Sets the resource name; undefined when the tenant does not exist. Throws on a taken name. */
  async setTenantResourceName(name: string, resourceName: string): Promise<TenantRow | undefined> {
    return this.one<TenantRow>(
      `UPDATE tenants SET resource_name = $2 WHERE name = $1 RETURNING name, resource_name`,
      [name, resourceName],
    );
  }

  // Databases

  /** Resolves a tenant and one of its live databases in one round trip. */
  async findScope(tenant: string, database: string): Promise<Scope> {
    const row = await this.one<{ tenant: string; id: string | null; name: string | null }>(
      `SELECT t.name AS tenant, d.id::text AS id, d.name
         FROM tenants t
         LEFT JOIN databases d ON d.tenant = t.name AND d.name = $2 AND d.deleted_at IS NULL
        WHERE t.name = $1`,
      [tenant, database],
    );
    if (!row) return { tenantExists: false, database: undefined };
    return {
      tenantExists: true,
      database:
        row.id !== null && row.name !== null ? { id: row.id, name: row.name, tenant } : undefined,
    };
  }

  /** Inserts a database; undefined when the tenant already has a live one with that name. */
  async insertDatabase(id: string, tenant: string, name: string): Promise<DatabaseRow | undefined> {
    return this.one<DatabaseRow>(
      `INSERT INTO databases (id, tenant, name) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, name) WHERE deleted_at IS NULL DO NOTHING
       RETURNING id::text AS id, name, tenant`,
      [id, tenant, name],
    );
  }

  /** A tenant's live databases in creation order. `limit` null = all. */
  async listDatabases(
    tenant: string,
    limit: number | null,
    offset: number,
  ): Promise<DatabaseRow[]> {
    return this.q<DatabaseRow>(
      `SELECT id::text AS id, name, tenant FROM databases
        WHERE tenant = $1 AND deleted_at IS NULL
        ORDER BY seq LIMIT $2 OFFSET $3`,
      [tenant, limit, offset],
    );
  }

  /** Marks a live database deleted; false when it was not live. */
  async softDeleteDatabase(id: string): Promise<boolean> {
    const rows = await this.q(
      `UPDATE databases SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  // Collections

  /**
   * Inserts a collection; undefined when the database has a live one with that name or is no
   * longer live. The share lock on the database row makes a concurrent DeleteDatabase (which
   * marks that row first) either wait for this insert or make it see the database deleted.
   */
  async insertCollection(c: NewCollection): Promise<CollectionRow | undefined> {
    return this.one<CollectionRow>(
      `WITH c AS (
         INSERT INTO collections (id, database_id, name, metadata, configuration_json, schema_json)
         SELECT $1::uuid, $2::uuid, $3::text, $4::jsonb, $5::text, $6::text
          WHERE EXISTS (SELECT 1 FROM databases
                         WHERE id = $2::uuid AND deleted_at IS NULL FOR SHARE)
         ON CONFLICT (database_id, name) WHERE deleted_at IS NULL DO NOTHING
         RETURNING *)
       SELECT ${COLLECTION_COLUMNS} FROM c JOIN databases d ON d.id = c.database_id`,
      [c.id, c.databaseId, c.name, c.metadataJson, c.configurationJson, c.schemaJson],
    );
  }

  /** True when a collection ever had this id (live or deleted): ids are never reused. */
  async collectionIdExists(id: string): Promise<boolean> {
    const rows = await this.q(`SELECT 1 FROM collections WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  async findCollectionByName(databaseId: string, name: string): Promise<CollectionRow | undefined> {
    return this.one<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE c.database_id = $1 AND c.name = $2 AND c.deleted_at IS NULL`,
      [databaseId, name],
    );
  }

  /**
   * A live collection by id; with `databaseId`, only when it belongs to that database. `lock`
   * takes a row lock (FOR UPDATE) held until the transaction ends.
   */
  async findCollectionById(
    id: string,
    options: { databaseId?: string; lock?: boolean } = {},
  ): Promise<CollectionRow | undefined> {
    return this.one<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE c.id = $1 AND c.deleted_at IS NULL AND ($2::uuid IS NULL OR c.database_id = $2::uuid)
        ${options.lock ? 'FOR UPDATE OF c' : ''}`,
      [id, options.databaseId ?? null],
    );
  }

  /** A database's live collections in creation order. `limit` null = all. */
  async listCollections(
    databaseId: string,
    limit: number | null,
    offset: number,
  ): Promise<CollectionRow[]> {
    return this.q<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE c.database_id = $1 AND c.deleted_at IS NULL
        ORDER BY c.seq LIMIT $2 OFFSET $3`,
      [databaseId, limit, offset],
    );
  }

  async countCollections(databaseId: string): Promise<bigint> {
    const row = await this.one<{ n: string }>(
      `SELECT count(*)::text AS n FROM collections WHERE database_id = $1 AND deleted_at IS NULL`,
      [databaseId],
    );
    return BigInt(row?.n ?? '0');
  }

  /**
   * Applies `changes` to a live collection; undefined when it is not live. Throws a unique
   * violation when the new name is taken.
   */
  async updateCollection(
    id: string,
    changes: CollectionChanges,
  ): Promise<CollectionRow | undefined> {
    return this.one<CollectionRow>(
      `WITH c AS (
         UPDATE collections SET
           name = COALESCE($2, name),
           metadata = CASE WHEN $3::boolean THEN $4::jsonb ELSE metadata END,
           configuration_json = COALESCE($5, configuration_json),
           schema_json = COALESCE($6, schema_json)
         WHERE id = $1 AND deleted_at IS NULL
         RETURNING *)
       SELECT ${COLLECTION_COLUMNS} FROM c JOIN databases d ON d.id = c.database_id`,
      [
        id,
        changes.name ?? null,
        changes.metadataJson !== undefined,
        changes.metadataJson ?? null,
        changes.configurationJson ?? null,
        changes.schemaJson ?? null,
      ],
    );
  }

  /** Marks a live collection deleted by name and returns its id (undefined when none). */
  async softDeleteCollectionByName(databaseId: string, name: string): Promise<string | undefined> {
    const row = await this.one<{ id: string }>(
      `UPDATE collections SET deleted_at = now()
        WHERE database_id = $1 AND name = $2 AND deleted_at IS NULL
        RETURNING id::text AS id`,
      [databaseId, name],
    );
    return row?.id;
  }

  /** Marks every live collection of a database deleted and returns their ids. */
  async softDeleteCollectionsOfDatabase(databaseId: string): Promise<string[]> {
    const rows = await this.q<{ id: string }>(
      `UPDATE collections SET deleted_at = now()
        WHERE database_id = $1 AND deleted_at IS NULL
        RETURNING id::text AS id`,
      [databaseId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Sets the dimension if it is unset, atomically (a concurrent caller blocks on the row lock and
   * then sees the value set first), and returns the dimension now stored; undefined when the
   * collection is not live.
   */
  async setDimensionIfUnset(id: string, dimension: number): Promise<number | undefined> {
    const row = await this.one<{ dimension: number }>(
      `UPDATE collections SET dimension = COALESCE(dimension, $2)
        WHERE id = $1 AND deleted_at IS NULL
        RETURNING dimension`,
      [id, dimension],
    );
    return row?.dimension;
  }

  /**
   * Moves a collection to a new segment version, which holds its parent tails from now on (so
   * they are cleared) and `recordsCompacted` more log records. Call with the row locked.
   */
  async setSegmentVersion(
    id: string,
    version: bigint,
    logPosition: bigint,
    manifestKey: string,
    recordsCompacted: bigint,
  ): Promise<CollectionRow | undefined> {
    return this.one<CollectionRow>(
      `WITH c AS (
         UPDATE collections
            SET version = $2::int8, log_position = $3::int8, segment_manifest_key = $4,
                parent_tails = NULL, compacted_records = compacted_records + $5::int8
          WHERE id = $1
         RETURNING *)
       SELECT ${COLLECTION_COLUMNS} FROM c JOIN databases d ON d.id = c.database_id`,
      [id, version.toString(), logPosition.toString(), manifestKey, recordsCompacted.toString()],
    );
  }

  // Forks (docs/decisions/0007-fork.md)

  /** Takes a share lock on a live database (see insertCollection); false when it is not live. */
  async lockLiveDatabase(databaseId: string): Promise<boolean> {
    const rows = await this.q(
      `SELECT 1 FROM databases WHERE id = $1 AND deleted_at IS NULL FOR SHARE`,
      [databaseId],
    );
    return rows.length > 0;
  }

  /**
   * Inserts a fork of the live collection `sourceId`: its metadata, configuration, schema,
   * dimension, segment manifest and compacted-record count, at version 0 and log position 0 (its
   * own log is empty), with `parentTails`, in the source's lineage. Also records that the fork
   * references the source's manifest (a version-0 segment_versions row), so GC keeps it.
   * Undefined when the name is taken in the database.
   */
  async insertFork(
    id: string,
    sourceId: string,
    name: string,
    parentTails: ParentTailJson[],
  ): Promise<CollectionRow | undefined> {
    const row = await this.one<CollectionRow>(
      `WITH c AS (
         INSERT INTO collections (id, database_id, name, metadata, configuration_json, schema_json,
                                  dimension, segment_manifest_key, root_collection_id,
                                  parent_tails, compacted_records)
         SELECT $1::uuid, s.database_id, $3::text, s.metadata, s.configuration_json, s.schema_json,
                s.dimension, s.segment_manifest_key, COALESCE(s.root_collection_id, s.id),
                $4::jsonb, s.compacted_records
           FROM collections s WHERE s.id = $2::uuid AND s.deleted_at IS NULL
         ON CONFLICT (database_id, name) WHERE deleted_at IS NULL DO NOTHING
         RETURNING *)
       SELECT ${COLLECTION_COLUMNS} FROM c JOIN databases d ON d.id = c.database_id`,
      [id, sourceId, name, parentTails.length > 0 ? JSON.stringify(parentTails) : null],
    );
    if (row && row.segment_manifest_key !== '') {
      await this.q(
        `INSERT INTO segment_versions (collection_id, version, log_position, manifest_key, record_count)
         SELECT $1::uuid, 0, 0, manifest_key, record_count FROM segment_versions
          WHERE collection_id = $2::uuid AND manifest_key = $3
          LIMIT 1`,
        [id, sourceId, row.segment_manifest_key],
      );
    }
    return row;
  }

  /** Live collections whose lineage root is `rootId` (the root itself not included). */
  async countForks(rootId: string): Promise<bigint> {
    const row = await this.one<{ n: string }>(
      `SELECT count(*)::text AS n FROM collections
        WHERE root_collection_id = $1 AND deleted_at IS NULL`,
      [rootId],
    );
    return BigInt(row?.n ?? '0');
  }

  /**
   * A live collection by Chroma resource name. The first part is a tenant's resource name, or,
   * when no tenant has that resource name, a tenant's name.
   */
  async findCollectionByResourceName(
    tenantResourceName: string,
    database: string,
    name: string,
  ): Promise<CollectionRow | undefined> {
    return this.one<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE c.name = $3 AND c.deleted_at IS NULL AND d.name = $2 AND d.deleted_at IS NULL
          AND d.tenant = COALESCE((SELECT name FROM tenants WHERE resource_name = $1), $1)`,
      [tenantResourceName, database, name],
    );
  }

  /** The lowest from-position of a parent tail on `collectionId` among live forks; null = none. */
  async logRetention(collectionId: string): Promise<bigint | null> {
    const row = await this.one<{ retain_from: string | null }>(
      `SELECT min((t ->> 'from')::int8)::text AS retain_from
         FROM collections c, jsonb_array_elements(c.parent_tails) t
        WHERE c.parent_tails IS NOT NULL AND c.deleted_at IS NULL
          AND t ->> 'collection_id' = $1`,
      [collectionId],
    );
    return row?.retain_from == null ? null : BigInt(row.retain_from);
  }

  /** Live forks with parent tails, oldest first. */
  async listPendingForks(limit: number): Promise<string[]> {
    const rows = await this.q<{ id: string }>(
      `SELECT id::text AS id FROM collections
        WHERE parent_tails IS NOT NULL AND deleted_at IS NULL
        ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  // Segment versions

  async insertSegmentVersion(v: {
    collectionId: string;
    version: bigint;
    logPosition: bigint;
    manifestKey: string;
    recordCount: bigint;
  }): Promise<void> {
    await this.q(
      `INSERT INTO segment_versions (collection_id, version, log_position, manifest_key, record_count)
       VALUES ($1, $2::int8, $3::int8, $4, $5::int8)`,
      [
        v.collectionId,
        v.version.toString(),
        v.logPosition.toString(),
        v.manifestKey,
        v.recordCount.toString(),
      ],
    );
  }

  /** A collection's segment versions, newest first (also of a deleted collection). */
  async listSegmentVersions(collectionId: string): Promise<SegmentVersionRow[]> {
    return this.q<SegmentVersionRow>(
      `SELECT ${SEGMENT_VERSION_COLUMNS} FROM segment_versions
        WHERE collection_id = $1
        -- Qualified: a bare "version" would sort by the text alias, putting 10 before 9.
        ORDER BY segment_versions.version DESC`,
      [collectionId],
    );
  }

  /**
   * Forgets a collection's versions below `version`; returns how many, and the manifest keys of
   * those that no remaining version of a live collection references (forks share manifests). Every row
   * sharing one of those keys is locked first, in a fixed order, so two collections forgetting a
   * shared manifest at once are serialized: the second sees the first's row gone and deletes it,
   * rather than both seeing the other's row and neither deleting it.
   */
  async deleteSegmentVersionsBelow(
    collectionId: string,
    version: bigint,
  ): Promise<{ deleted: number; unreferenced: string[] }> {
    const params = [collectionId, version.toString()];
    await this.q(
      `SELECT 1 FROM segment_versions sv
        WHERE sv.manifest_key IN (SELECT manifest_key FROM segment_versions
                                   WHERE collection_id = $1 AND version < $2::int8)
        ORDER BY sv.collection_id, sv.version
          FOR UPDATE OF sv`,
      params,
    );
    const keys = await this.q<{ manifest_key: string; shared: boolean }>(
      `SELECT v.manifest_key, EXISTS (
                SELECT 1 FROM segment_versions o JOIN collections c ON c.id = o.collection_id
                 WHERE o.manifest_key = v.manifest_key AND c.deleted_at IS NULL
                   AND (o.collection_id <> v.collection_id OR o.version >= $2::int8)) AS shared
         FROM segment_versions v WHERE v.collection_id = $1 AND v.version < $2::int8`,
      params,
    );
    const rows = await this.q(
      `DELETE FROM segment_versions WHERE collection_id = $1 AND version < $2::int8 RETURNING 1`,
      params,
    );
    return {
      deleted: rows.length,
      unreferenced: keys.filter((k) => !k.shared).map((k) => k.manifest_key),
    };
  }

  // Members

  /** Registers or refreshes a member at the database's clock; returns that time (ms). */
  async upsertMember(role: string, id: string, address: string): Promise<bigint> {
    const row = await this.one<{ now_ms: string }>(
      `INSERT INTO members (role, id, address, heartbeat_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (role, id) DO UPDATE
         SET address = excluded.address, heartbeat_at = excluded.heartbeat_at
       RETURNING ${ms('heartbeat_at')} AS now_ms`,
      [role, id, address],
    );
    return BigInt(row!.now_ms);
  }

  /** A role's members, by id; with `maxAgeMs`, only those whose heartbeat is at most that old. */
  async listMembers(role: string, maxAgeMs: bigint | null): Promise<MemberRow[]> {
    return this.q<MemberRow>(
      `SELECT role, id, address, ${ms('heartbeat_at')} AS heartbeat_at_ms FROM members
        WHERE role = $1
          AND ($2::int8 IS NULL OR heartbeat_at >= now() - $2::int8 * interval '1 millisecond')
        ORDER BY id`,
      [role, maxAgeMs === null ? null : maxAgeMs.toString()],
    );
  }

  // Reset

  /**
   * Deletes every tenant, database, collection and segment version (members stay: they are live
   * processes, not data) and reseeds the defaults exactly as migration 0002 does.
   */
  async resetData(): Promise<void> {
    await this.q(`TRUNCATE segment_versions, collections, databases, tenants RESTART IDENTITY`);
    await this.q(`INSERT INTO tenants (name) VALUES ($1) ON CONFLICT DO NOTHING`, [DEFAULT_TENANT]);
    await this.q(
      `INSERT INTO databases (id, tenant, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [DEFAULT_DATABASE_ID, DEFAULT_TENANT, DEFAULT_DATABASE],
    );
  }

  private async q<R extends object>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    try {
      return await this.sql.query<R>(sql, params);
    } catch (err) {
      if (isDataException(err)) {
        // The driver's text names internals (encodings, types, columns): it stays out of the
        // message, which reaches clients. The likely cause a client can act on is a NUL
        // character, which Postgres text cannot hold.
        throw new RpcError(
          Code.INVALID_ARGUMENT,
          "value rejected by the catalog's database (names and metadata cannot contain NUL characters)",
        );
      }
      throw err;
    }
  }

  private async one<R extends object>(
    sql: string,
    params: readonly SqlParam[] = [],
  ): Promise<R | undefined> {
    const rows = await this.q<R>(sql, params);
    return rows[0];
  }
}
