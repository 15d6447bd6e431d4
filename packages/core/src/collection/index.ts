/**
 * Collection configuration and schema: reading requests with Chroma's errors, Chroma's rules for
 * reconciling schema, configuration and legacy metadata, and the parsed settings every reader of
 * a collection row shares.
 */
export {
  DEFAULT_NUM_THREADS,
  defaultHnswParameters,
  readConfigurationInput,
  readConfigurationUpdate,
  resolveConfiguration,
  legacyHnswParameters,
  isDefaultConfiguration,
  configurationJson,
  checkBuildable,
  type HnswParameters,
  type ResolvedConfiguration,
  type ConfigurationInput,
  type ConfigurationUpdate,
  type ConfigurationJson,
} from './configuration.js';
export {
  readEmbeddingFunction,
  isDefaultEmbeddingFunction,
  embeddingFunctionJson,
  type EmbeddingFunctionConfig,
} from './embedding-function.js';
export {
  EMBEDDING_KEY,
  DOCUMENT_KEY,
  readSchema,
  type CollectionSchema,
  type ValueTypes,
  type IndexType,
  type VectorIndexConfig,
  type HnswIndexConfig,
  type SpannIndexConfig,
  type SparseVectorIndexConfig,
} from './schema-types.js';
export {
  defaultSchema,
  validateSchema,
  reconcileSchema,
  isDefaultSchema,
  schemaOfConfiguration,
  configurationOfSchema,
  updateSchema,
} from './schema.js';
export { schemaJson } from './schema-json.js';
export { checkFiltersIndexed } from './schema-filters.js';
export {
  parseCollectionSettings,
  CollectionSettingsCache,
  collectionSettingsJson,
  storedSettingsOf,
  type CollectionSettings,
  type StoredSettings,
} from './settings.js';
export { settingsForCreate, settingsForUpdate } from './requests.js';
