import {
  COLLECTION_COLUMNS,
  type CollectionRow,
  type ParentTailJson,
} from './collection.repository.js';
import { SqlRepository } from './sql/sql-repository.js';

/** Forks' lineage and parent tails (docs/decisions/0007-fork.md). */
export class ForkRepository extends SqlRepository {
  /**
   * Inserts a fork of the live collection `sourceId`: its metadata, configuration, schema,
   * dimension, segment manifest and compacted-record count, at version 0 and log position 0 (its
   * own log is empty), with `parentTails`, in the source's lineage. Also records that the fork
   * references the source's manifest (a version-0 segment_versions row), so GC keeps it.
   * Undefined when the name is taken in the database.
   */
  async insert(
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
  async count(rootId: string): Promise<bigint> {
    const row = await this.one<{ n: string }>(
      `SELECT count(*)::text AS n FROM collections
        WHERE root_collection_id = $1 AND deleted_at IS NULL`,
      [rootId],
    );
    return BigInt(row?.n ?? '0');
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
  async listPending(limit: number): Promise<string[]> {
    const rows = await this.q<{ id: string }>(
      `SELECT id::text AS id FROM collections
        WHERE parent_tails IS NOT NULL AND deleted_at IS NULL
        ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }
}
