import { createFsObjectStore } from './fs-object-store.js';
import type { ObjectStore } from './object-store.js';
import { createS3ObjectStore } from './s3-object-store.js';

/**
 * The object store a service is configured with: a directory when HUEDB_OBJECT_STORE_DIR is set
 * (single-node mode), otherwise S3 from HUEDB_S3_ENDPOINT / _REGION / _ACCESS_KEY_ID /
 * _SECRET_ACCESS_KEY / _BUCKET / _PREFIX (AWS's default credential chain when the keys are unset;
 * region us-east-1 when unset; path-style addressing when an endpoint is set).
 *
 * @throws Error when neither HUEDB_OBJECT_STORE_DIR nor HUEDB_S3_BUCKET is set.
 */
export function objectStoreFromEnv(env: NodeJS.ProcessEnv = process.env): ObjectStore {
  if (env.HUEDB_OBJECT_STORE_DIR) return createFsObjectStore({ root: env.HUEDB_OBJECT_STORE_DIR });
  const bucket = env.HUEDB_S3_BUCKET;
  if (!bucket) {
    throw new Error('set HUEDB_S3_BUCKET (or HUEDB_OBJECT_STORE_DIR for a local directory)');
  }
  return createS3ObjectStore({
    endpoint: env.HUEDB_S3_ENDPOINT || undefined,
    region: env.HUEDB_S3_REGION || 'us-east-1',
    accessKeyId: env.HUEDB_S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.HUEDB_S3_SECRET_ACCESS_KEY || undefined,
    bucket,
    prefix: env.HUEDB_S3_PREFIX ?? '',
  });
}
