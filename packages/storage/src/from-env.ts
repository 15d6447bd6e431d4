import { createFsObjectStore } from './fs-object-store.js';
import type { ObjectStore } from './object-store.js';
import { createS3ObjectStore } from './s3-object-store.js';

/** Where segments live, as a service's validated configuration holds it (HUEDB_OBJECT_STORE_DIR, HUEDB_S3_*). */
export interface ObjectStoreSettings {
  objectStoreDir?: string | undefined;
  s3Bucket?: string | undefined;
  s3Endpoint?: string | undefined;
  s3Region?: string | undefined;
  s3AccessKeyId?: string | undefined;
  s3SecretAccessKey?: string | undefined;
  s3Prefix?: string | undefined;
}

/** Whether the settings name an object store at all (query nodes without one serve tails only). */
export function hasObjectStore(settings: ObjectStoreSettings): boolean {
  return Boolean(settings.objectStoreDir || settings.s3Bucket);
}

/**
 * The object store the settings describe: a directory when `objectStoreDir` is set (single-node
 * mode), otherwise S3 (AWS's default credential chain when the keys are unset; region us-east-1
 * when unset; path-style addressing when an endpoint is set).
 *
 * @throws Error when neither a directory nor a bucket is set.
 */
export function objectStoreFromSettings(settings: ObjectStoreSettings): ObjectStore {
  if (settings.objectStoreDir) return createFsObjectStore({ root: settings.objectStoreDir });
  const bucket = settings.s3Bucket;
  if (!bucket) {
    throw new Error('set HUEDB_S3_BUCKET (or HUEDB_OBJECT_STORE_DIR for a local directory)');
  }
  return createS3ObjectStore({
    endpoint: settings.s3Endpoint || undefined,
    region: settings.s3Region || 'us-east-1',
    accessKeyId: settings.s3AccessKeyId || undefined,
    secretAccessKey: settings.s3SecretAccessKey || undefined,
    bucket,
    prefix: settings.s3Prefix ?? '',
  });
}

/**
 * The object store a process's environment describes (HUEDB_OBJECT_STORE_DIR, or HUEDB_S3_ENDPOINT
 * / _REGION / _ACCESS_KEY_ID / _SECRET_ACCESS_KEY / _BUCKET / _PREFIX); see
 * {@link objectStoreFromSettings}. Services read these through their validated configuration.
 *
 * @throws Error when neither HUEDB_OBJECT_STORE_DIR nor HUEDB_S3_BUCKET is set.
 */
export function objectStoreFromEnv(env: NodeJS.ProcessEnv = process.env): ObjectStore {
  return objectStoreFromSettings({
    objectStoreDir: env.HUEDB_OBJECT_STORE_DIR,
    s3Bucket: env.HUEDB_S3_BUCKET,
    s3Endpoint: env.HUEDB_S3_ENDPOINT,
    s3Region: env.HUEDB_S3_REGION,
    s3AccessKeyId: env.HUEDB_S3_ACCESS_KEY_ID,
    s3SecretAccessKey: env.HUEDB_S3_SECRET_ACCESS_KEY,
    s3Prefix: env.HUEDB_S3_PREFIX,
  });
}
