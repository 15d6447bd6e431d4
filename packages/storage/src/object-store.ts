/**
 * The object store: where the compactor puts immutable segment files and query nodes fetch them.
 * Implementations: S3 (any S3-compatible service: AWS S3, MinIO) and a local directory
 * (single-node mode). Both pass the suite in `@huedb/storage/conformance`.
 *
 * Keys are `/`-separated paths relative to the store (its bucket prefix or root directory); see
 * {@link validateKey} for what a key may be.
 */

/** Base class of every error an ObjectStore rejects with on purpose. */
export class ObjectStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown by put(..., { ifNoneMatch: '*' }) when the key exists. Nothing was written: the existing
 * object is unchanged.
 */
export class PreconditionFailedError extends ObjectStoreError {
  constructor(
    /** The key that already exists. */
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`object ${JSON.stringify(key)} already exists (If-None-Match: *)`, options);
  }
}

/** Thrown by get/getToFile when the key does not exist. */
export class ObjectNotFoundError extends ObjectStoreError {
  constructor(
    /** The missing key. */
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`object ${JSON.stringify(key)} does not exist`, options);
  }
}

/**
 * A key or prefix the store refuses (empty, absolute, with `.`/`..`/empty segments, ...), or a key
 * the filesystem store cannot hold next to an existing one (`a/b` and `a/b/c`). Nothing was done.
 */
export class InvalidKeyError extends ObjectStoreError {
  constructor(
    /** The refused key or prefix. */
    readonly key: string,
    /** Why it was refused. */
    readonly reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
  }
}

/** Thrown by every call on a store after close(). */
export class ObjectStoreClosedError extends ObjectStoreError {
  constructor() {
    super('the object store is closed');
  }
}

/** What a store reports about one object. */
export interface ObjectInfo {
  /** The key, relative to the store (without the S3 store's `prefix`). */
  key: string;
  /** Size in bytes. */
  size: number;
  /**
   * An opaque version tag, without quotes: it changes whenever the object is written again with
   * other content. Compare it only with tags from the same store. S3: the service's ETag (hex MD5
   * for single-part uploads, `<md5>-<parts>` for multipart). Filesystem: a hash of the file's
   * identity (size, times, inode), not of its content.
   */
  etag: string;
}

/** Options of {@link ObjectStore.put} and {@link ObjectStore.putFile}. */
export interface PutOptions {
  /**
   * '*' = create only if absent (atomic): when the key exists, the call rejects with
   * {@link PreconditionFailedError} and writes nothing. Of concurrent conditional puts of one key,
   * exactly one succeeds.
   */
  ifNoneMatch?: '*';
  /** The Content-Type to store (S3; the filesystem store ignores it). */
  contentType?: string;
}

/**
 * A flat namespace of immutable-by-convention objects under `/`-separated keys. Every call
 * validates its key (or prefix) first and rejects with {@link InvalidKeyError} before doing
 * anything. A put is durable when it resolves: a crash afterwards never loses it, and a reader
 * never sees a partly written object.
 */
export interface ObjectStore {
  /** Writes `body` (a string is stored as UTF-8) under `key`, replacing any object there. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** Streams a local file up; multipart above a size threshold (S3). */
  putFile(key: string, path: string, options?: PutOptions): Promise<void>;
  /** The whole object; rejects with {@link ObjectNotFoundError} when it does not exist. */
  get(key: string): Promise<Uint8Array>;
  /**
   * Streams an object to a local file (written to a temp name, then renamed: never a partial file
   * at `path`). Creates `path`'s directory if needed and replaces a file already at `path`. On
   * failure (a missing key rejects with {@link ObjectNotFoundError}) `path` is left as it was and
   * no temp file remains.
   */
  getToFile(key: string, path: string): Promise<void>;
  /** The object's size and etag, or null when it does not exist. */
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Every key under the prefix, in lexicographic order (paginates internally).
   *
   * The prefix is a STRING prefix, as in S3: `list('a/b')` returns `a/b`, `a/b/c` and `a/bc/x`.
   * To list a "directory", end the prefix with `/`: `list('a/b/')` returns `a/b/c` but not
   * `a/bc/x`. `''` lists everything. Order is by the keys' UTF-8 bytes (S3's order).
   */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /**
   * Deletes every key under the prefix (batched), returns how many. The prefix is a string prefix,
   * as for {@link ObjectStore.list}: `deletePrefix('a/b')` also deletes `a/bc/x`.
   */
  deletePrefix(prefix: string): Promise<number>;
  /** Releases connections; every later call rejects with {@link ObjectStoreClosedError}. */
  close(): void;
}
