import { create } from '@bufbuild/protobuf';
import {
  CollectionSchema,
  DatabaseSchema,
  MemberSchema,
  SegmentVersionSchema,
  TenantSchema,
  type Collection,
  type Database,
  type Member,
  type SegmentVersion,
  type Tenant,
} from '@huedb/proto/catalog';
import type {
  CollectionRow,
  DatabaseRow,
  MemberRow,
  ParentTailJson,
  SegmentVersionRow,
  TenantRow,
} from './catalog.repository.js';
import { metadataFromJson } from './metadata.mapper.js';

/** Rows (as catalog.repository.ts selects them) → the catalog's proto messages. */

export function tenantFromRow(row: TenantRow): Tenant {
  return create(TenantSchema, {
    name: row.name,
    ...(row.resource_name !== null && { resourceName: row.resource_name }),
  });
}

export function databaseFromRow(row: DatabaseRow): Database {
  return create(DatabaseSchema, { id: row.id, name: row.name, tenant: row.tenant });
}

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

export function memberFromRow(row: MemberRow): Member {
  return create(MemberSchema, {
    id: row.id,
    role: row.role,
    address: row.address,
    heartbeatAtMs: BigInt(row.heartbeat_at_ms),
  });
}
