import { COLLECTION_COLUMNS, type CollectionRow } from './collection.repository.js';
import { ms, SqlRepository } from './sql/sql-repository.js';

/** A `segment_versions` row. */
export interface SegmentVersionRow {
  collection_id: string;
  version: string;
  log_position: string;
  manifest_key: string;
  record_count: string;
  created_at_ms: string;
}

const SEGMENT_VERSION_COLUMNS = `
  collection_id::text AS collection_id, version::text AS version,
  log_position::text AS log_position, manifest_key, record_count::text AS record_count,
  ${ms('created_at')} AS created_at_ms`;

/** The `segment_versions` table, and a collection's move to a new version. */
export class SegmentRepository extends SqlRepository {
  /**
   * Moves a collection to a new segment version, which holds its parent tails from now on (so
   * they are cleared) and `recordsCompacted` more log records. Call with the row locked.
   */
  async setCurrent(
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

  async insert(v: {
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
  async list(collectionId: string): Promise<SegmentVersionRow[]> {
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
  async deleteBelow(
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
}
