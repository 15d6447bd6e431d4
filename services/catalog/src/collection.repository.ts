import { ms, SqlRepository } from './sql/sql-repository.js';

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

/** The columns of a collection row as every statement below selects them (see CollectionRow). */
export const COLLECTION_COLUMNS = `
  c.id::text AS id, c.name, d.tenant, d.name AS database, c.database_id::text AS database_id,
  c.metadata::text AS metadata, c.configuration_json, c.schema_json, c.dimension,
  c.log_position::text AS log_position, c.version::text AS version, c.segment_manifest_key,
  ${ms('c.created_at')} AS created_at_ms, c.root_collection_id::text AS root_collection_id,
  c.parent_tails::text AS parent_tails, c.compacted_records::text AS compacted_records`;

/** The `collections` table (forks and segment versions: fork.repository.ts, segment.repository.ts). */
export class CollectionRepository extends SqlRepository {
  /**
   * Inserts a collection; undefined when the database has a live one with that name or is no
   * longer live. The share lock on the database row makes a concurrent DeleteDatabase (which
   * marks that row first) either wait for this insert or make it see the database deleted.
   */
  async insert(c: NewCollection): Promise<CollectionRow | undefined> {
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
  async idExists(id: string): Promise<boolean> {
    const rows = await this.q(`SELECT 1 FROM collections WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  async findByName(databaseId: string, name: string): Promise<CollectionRow | undefined> {
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
  async findById(
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
  async list(databaseId: string, limit: number | null, offset: number): Promise<CollectionRow[]> {
    return this.q<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE c.database_id = $1 AND c.deleted_at IS NULL
        ORDER BY c.seq LIMIT $2 OFFSET $3`,
      [databaseId, limit, offset],
    );
  }

  async count(databaseId: string): Promise<bigint> {
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
  async update(id: string, changes: CollectionChanges): Promise<CollectionRow | undefined> {
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
  async softDeleteByName(databaseId: string, name: string): Promise<string | undefined> {
    const row = await this.one<{ id: string }>(
      `UPDATE collections SET deleted_at = now()
        WHERE database_id = $1 AND name = $2 AND deleted_at IS NULL
        RETURNING id::text AS id`,
      [databaseId, name],
    );
    return row?.id;
  }

  /** Marks every live collection of a database deleted and returns their ids. */
  async softDeleteOfDatabase(databaseId: string): Promise<string[]> {
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
   * A live collection by Chroma resource name. The first part is a tenant's resource name, or,
   * when no tenant has that resource name, a tenant's name.
   */
  async findByResourceName(
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
}
