import { create } from '@bufbuild/protobuf';
import { SegmentVersionSchema, type SegmentVersion } from '@huedb/proto/catalog';
import type { SegmentVersionRow } from './segment.repository.js';

/** A `segment_versions` row → its proto message. */
export function segmentVersionFromRow(row: SegmentVersionRow): SegmentVersion {
  return create(SegmentVersionSchema, {
    collectionId: row.collection_id,
    version: BigInt(row.version),
    logPosition: BigInt(row.log_position),
    manifestKey: row.manifest_key,
    recordCount: BigInt(row.record_count),
    createdAtMs: BigInt(row.created_at_ms),
  });
}
