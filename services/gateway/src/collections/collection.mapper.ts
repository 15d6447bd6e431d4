import type { Collection } from '@huedb/proto/catalog';
import {
  CollectionSettingsCache,
  collectionSettingsJson,
  metadataFromProto,
  type CollectionSettings,
  type ConfigurationJson,
} from '@huedb/core';

/** A collection as Chroma's API returns it. */
export interface CollectionJson {
  id: string;
  name: string;
  configuration_json: ConfigurationJson;
  schema: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  dimension: number | null;
  tenant: string;
  database: string;
  log_position: number;
  version: number;
}

/** Parsed settings of the rows this gateway has seen: parsed once per change, not per request. */
const settingsCache = new CollectionSettingsCache();

/** The parsed configuration and schema of a catalog row. */
export function settingsOf(collection: Collection): CollectionSettings {
  return settingsCache.of(collection);
}

/** Catalog row → Chroma JSON. Metadata with no keys reads back as null, as in Chroma. */
export function toCollectionJson(collection: Collection): CollectionJson {
  const metadata = collection.metadata ? metadataFromProto(collection.metadata) : null;
  const { configuration_json, schema } = collectionSettingsJson(settingsOf(collection));
  return {
    id: collection.id,
    name: collection.name,
    configuration_json,
    schema,
    metadata: metadata && Object.keys(metadata).length > 0 ? metadata : null,
    dimension: collection.dimension ?? null,
    tenant: collection.tenant,
    database: collection.database,
    log_position: Number(collection.logPosition),
    version: Number(collection.version),
  };
}
