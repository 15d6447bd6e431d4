import type { Collection } from '@huedb/proto/catalog';
import { metadataFromProto } from '@huedb/core';
import type { CollectionConfiguration } from './configuration.js';

/** A collection as Chroma's API returns it. */
export interface CollectionJson {
  id: string;
  name: string;
  configuration_json: CollectionConfiguration;
  schema: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  dimension: number | null;
  tenant: string;
  database: string;
  log_position: number;
  version: number;
}

/** The configuration stored with a collection. */
export function configurationOf(collection: Collection): CollectionConfiguration {
  return JSON.parse(collection.configurationJson) as CollectionConfiguration;
}

/** Catalog row → Chroma JSON. Metadata with no keys reads back as null, as in Chroma. */
export function toCollectionJson(collection: Collection): CollectionJson {
  const metadata = collection.metadata ? metadataFromProto(collection.metadata) : null;
  return {
    id: collection.id,
    name: collection.name,
    configuration_json: configurationOf(collection),
    schema: collection.schemaJson
      ? (JSON.parse(collection.schemaJson) as Record<string, unknown>)
      : null,
    metadata: metadata && Object.keys(metadata).length > 0 ? metadata : null,
    dimension: collection.dimension ?? null,
    tenant: collection.tenant,
    database: collection.database,
    log_position: Number(collection.logPosition),
    version: Number(collection.version),
  };
}
