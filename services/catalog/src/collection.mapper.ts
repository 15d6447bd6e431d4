import { create } from '@bufbuild/protobuf';
import { CollectionSchema, type Collection } from '@huedb/proto/catalog';
import type { CollectionRow, ParentTailJson } from './collection.repository.js';
import { metadataFromJson } from './metadata.mapper.js';

/** A `collections` row (as collection.repository.ts selects it) → its proto message. */
export function collectionFromRow(row: CollectionRow): Collection {
  return create(CollectionSchema, {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    database: row.database,
    databaseId: row.database_id,
    ...(row.metadata !== null && { metadata: metadataFromJson(row.metadata) }),
    configurationJson: row.configuration_json,
    schemaJson: row.schema_json ?? '',
    ...(row.dimension !== null && { dimension: row.dimension }),
    logPosition: BigInt(row.log_position),
    version: BigInt(row.version),
    segmentManifestKey: row.segment_manifest_key,
    createdAtMs: BigInt(row.created_at_ms),
    parentTails: parentTailsFromJson(row.parent_tails).map((t) => ({
      collectionId: t.collection_id,
      fromPosition: BigInt(t.from),
      toPosition: BigInt(t.to),
    })),
    compactedRecords: BigInt(row.compacted_records),
  });
}

/** `collections.parent_tails` (jsonb text or null) → its elements. */
export function parentTailsFromJson(text: string | null): ParentTailJson[] {
  return text === null ? [] : (JSON.parse(text) as ParentTailJson[]);
}
