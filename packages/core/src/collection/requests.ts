import type { Metadata } from '../types.js';
import {
  checkBuildable,
  readConfigurationInput,
  resolveConfiguration,
  type ConfigurationUpdate,
} from './configuration.js';
import { configurationOfSchema, reconcileSchema, updateSchema, validateSchema } from './schema.js';
import { readSchema, type CollectionSchema } from './schema-types.js';
import { storedSettingsOf, type CollectionSettings, type StoredSettings } from './settings.js';

/**
 * The stored settings of a collection a create request asks for, checked in Chroma's order:
 * the shapes of `configuration` and `schema` (422), then the configuration with the legacy
 * `hnsw:*` metadata, the schema's rules, and their reconciliation (400). Nothing is stored when
 * this throws.
 */
export function settingsForCreate(request: {
  configuration?: unknown;
  schema?: unknown;
  metadata?: Metadata | null;
}): StoredSettings {
  const configuration =
    request.configuration == null ? undefined : readConfigurationInput(request.configuration);
  const requested: CollectionSchema | undefined =
    request.schema == null ? undefined : readSchema(request.schema);
  const resolved = resolveConfiguration(configuration, request.metadata);
  if (requested) validateSchema(requested);
  const schema = reconcileSchema(requested, resolved);
  checkBuildable(configurationOfSchema(schema).hnsw);
  return storedSettingsOf(schema);
}

/**
 * The stored settings after an update's `new_configuration` (read with
 * {@link readConfigurationUpdate}): schema and configuration change together, so every reader
 * sees one state.
 */
export function settingsForUpdate(
  current: CollectionSettings,
  update: ConfigurationUpdate,
): StoredSettings {
  const schema = updateSchema(current.schema, update);
  checkBuildable(configurationOfSchema(schema).hnsw);
  return storedSettingsOf(schema);
}
