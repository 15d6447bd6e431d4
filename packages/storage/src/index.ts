/**
 * HueDB's object store: the {@link ObjectStore} interface the compactor writes segment files
 * through and query nodes read them from, its S3 implementation ({@link createS3ObjectStore},
 * clusters) and its filesystem implementation ({@link createFsObjectStore}, single-node mode).
 * Their shared test suite: `@huedb/storage/conformance`.
 */
export {
  InvalidKeyError,
  ObjectNotFoundError,
  ObjectStoreClosedError,
  ObjectStoreError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';
export { MAX_KEY_BYTES, compareKeys, validateKey, validatePrefix } from './keys.js';
export {
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_PART_SIZE_BYTES,
  S3_MIN_PART_BYTES,
  createS3ObjectStore,
  type S3StoreOptions,
} from './s3-object-store.js';
export { createFsObjectStore, type FsStoreOptions } from './fs-object-store.js';
export {
  hasObjectStore,
  objectStoreFromEnv,
  objectStoreFromSettings,
  type ObjectStoreSettings,
} from './from-env.js';
