import { createWriteStream } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { MAX_KEY_BYTES, validateKey, validatePrefix } from './keys.js';
import { mapBounded, replaceFileAtomically } from './local-files.js';
import {
  InvalidKeyError,
  ObjectNotFoundError,
  ObjectStoreClosedError,
  ObjectStoreError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';

/** S3's smallest part (every part but the last must be at least this big). */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's largest part number. */
const S3_MAX_PARTS = 10_000;
/** DeleteObjects takes at most this many keys; ListObjectsV2 returns at most this many. */
const S3_BATCH_KEYS = 1000;
/** Attempts of a conditional write that S3 answers 409 ConditionalRequestConflict. */
const CONDITIONAL_CONFLICT_ATTEMPTS = 3;

/** Options of {@link createS3ObjectStore}. */
export interface S3StoreOptions {
  /** e.g. http://127.0.0.1:9000 for MinIO; omit for AWS S3. */
  endpoint?: string;
  /** The bucket's region (MinIO accepts any; its default is us-east-1). */
  region: string;
  /** Static credentials (give both); omit both to use the SDK's default provider chain. */
  accessKeyId?: string;
  /** The secret of {@link S3StoreOptions.accessKeyId}. */
  secretAccessKey?: string;
  /** An existing bucket (the store never creates one). */
  bucket: string;
  /**
   * key prefix inside the bucket, e.g. "huedb/". A missing trailing "/" is added ("huedb" means
   * "huedb/"). Keys the store reports never include it.
   */
  prefix?: string;
  /** Path-style addressing; defaults to true when `endpoint` is set (MinIO needs it), else false. */
  forcePathStyle?: boolean;
  /**
   * multipart threshold in bytes (default 16 MiB): putFile of a file larger than this uploads it
   * in parts; smaller files go up in one PutObject.
   */
  multipartThresholdBytes?: number;
  /**
   * part size in bytes (default 8 MiB): at least 5 MiB (S3's minimum for every part but the
   * last); grows as needed to stay within S3's 10,000 parts.
   */
  partSizeBytes?: number;
  /** Parts uploaded at once by one putFile (default 4). Memory: up to this × part size. */
  partConcurrency?: number;
}

/** Default of {@link S3StoreOptions.multipartThresholdBytes}. */
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** Default of {@link S3StoreOptions.partSizeBytes}. */
export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

/**
 * An {@link ObjectStore} on an S3-compatible service (AWS S3, MinIO) with `@aws-sdk/client-s3`.
 *
 * - Keys live under `prefix` in `bucket`. list/deletePrefix use ListObjectsV2 (1000 keys a page)
 *   and DeleteObjects (1000 keys a call).
 * - put sends the body in one PutObject. putFile reads files up to the threshold into memory and
 *   sends one PutObject; larger files go up in parts (CreateMultipartUpload, UploadPart with
 *   bounded concurrency, CompleteMultipartUpload). Bodies are buffers, not streams, so that the
 *   SDK's retries of transient errors can resend them; every part carries a CRC32 checksum the
 *   service verifies. Any failure aborts the upload (after the parts in flight have settled, so
 *   none lands after the abort).
 * - `ifNoneMatch: '*'` is sent as `If-None-Match: *` on PutObject, or on CompleteMultipartUpload
 *   for multipart, where the service decides atomically (MinIO and AWS S3 both do); 412 becomes
 *   {@link PreconditionFailedError}. A multipart conditional put first checks with HEAD, to fail
 *   fast before uploading, but only the final check is authoritative. AWS S3 may answer 409
 *   ConditionalRequestConflict to racing conditional writes: those are retried (the retry then
 *   gets 412 if another writer won).
 * - Retries of transient errors are the SDK's (3 attempts, exponential backoff). Caveat of any
 *   conditional write over HTTP: if the response to a successful conditional write is lost and
 *   the SDK retries it, the retry reports PreconditionFailedError although this call wrote the
 *   object; callers that must tell the two apart can compare the stored content.
 */
export function createS3ObjectStore(options: S3StoreOptions): ObjectStore {
  return new S3ObjectStore(options);
}

class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  #closed = false;

  constructor(options: S3StoreOptions) {
    this.#threshold = options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    this.#partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    this.#partConcurrency = options.partConcurrency ?? 4;
    if (!Number.isSafeInteger(this.#partSize) || this.#partSize < S3_MIN_PART_BYTES) {
      throw new RangeError(
        `partSizeBytes must be an integer ≥ ${S3_MIN_PART_BYTES} (S3's minimum)`,
      );
    }
    if (!Number.isSafeInteger(this.#threshold) || this.#threshold < 0) {
      throw new RangeError('multipartThresholdBytes must be a non-negative integer');
    }
    if (!Number.isSafeInteger(this.#partConcurrency) || this.#partConcurrency < 1) {
      throw new RangeError('partConcurrency must be a positive integer');
    }
    if (!options.bucket) throw new RangeError('bucket is required');
    let prefix = options.prefix ?? '';
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    this.#prefix = validatePrefix(prefix);
    this.#bucket = options.bucket;

    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.accessKeyId !== undefined || options.secretAccessKey !== undefined) {
      if (!options.accessKeyId || !options.secretAccessKey) {
        throw new RangeError('give both accessKeyId and secretAccessKey, or neither');
      }
      config.credentials = {
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
      };
    }
    this.#client = new S3Client(config);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const Key = this.#objectKey(key);
    const Body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await this.#conditional(key, options, () =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key,
          Body,
          ContentLength: Body.byteLength,
          ContentType: options.contentType,
          IfNoneMatch: options.ifNoneMatch,
        }),
      ),
    );
  }

  async putFile(key: string, path: string, options: PutOptions = {}): Promise<void> {
    const Key = this.#objectKey(key);
    const { size } = await stat(path);
    if (size <= this.#threshold) {
      await this.put(key, await readFile(path), options);
      return;
    }
    if (options.ifNoneMatch === '*' && (await this.head(key)) !== null) {
      throw new PreconditionFailedError(key);
    }
    await this.#putMultipart(key, Key, path, size, options);
  }

  async #putMultipart(
    key: string,
    Key: string,
    path: string,
    size: number,
    options: PutOptions,
  ): Promise<void> {
    const partSize = Math.max(this.#partSize, Math.ceil(size / S3_MAX_PARTS));
    const partCount = Math.ceil(size / partSize);
    const created = await this.#client
      .send(
        new CreateMultipartUploadCommand({
          Bucket: this.#bucket,
          Key,
          ContentType: options.contentType,
          ChecksumAlgorithm: 'CRC32',
        }),
      )
      .catch((err: unknown) => {
        // MinIO also checks If-None-Match here; a key created since the HEAD answers 412.
        throw mapWriteError(err, key);
      });
    const UploadId = created.UploadId;
    if (!UploadId) throw new ObjectStoreError(`CreateMultipartUpload of ${Key} gave no UploadId`);

    const cancel = new AbortController();
    try {
      const handle = await open(path, 'r');
      let parts: CompletedPart[];
      try {
        const numbers = Array.from({ length: partCount }, (_, i) => i + 1);
        parts = await mapBounded(numbers, this.#partConcurrency, async (PartNumber) => {
          try {
            const offset = (PartNumber - 1) * partSize;
            const Body = await readExactly(handle, offset, Math.min(partSize, size - offset), path);
            const uploaded = await this.#client.send(
              new UploadPartCommand({
                Bucket: this.#bucket,
                Key,
                UploadId,
                PartNumber,
                Body,
                ContentLength: Body.byteLength,
                ChecksumAlgorithm: 'CRC32',
              }),
              { abortSignal: cancel.signal },
            );
            if (!uploaded.ETag) throw new ObjectStoreError(`UploadPart ${PartNumber} gave no ETag`);
            return { PartNumber, ETag: uploaded.ETag, ChecksumCRC32: uploaded.ChecksumCRC32 };
          } catch (err) {
            cancel.abort(); // the other parts in flight are wasted work now
            throw err;
          }
        });
      } finally {
        await handle.close();
      }
      await this.#conditional(key, options, () =>
        this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: parts },
            IfNoneMatch: options.ifNoneMatch,
          }),
        ),
      );
    } catch (err) {
      // Parts of an upload that is neither completed nor aborted are stored (and billed) forever.
      await this.#client
        .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key, UploadId }))
        .catch(() => {});
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const response = await this.#getObject(key);
    const bytes = await response.Body!.transformToByteArray();
    checkLength(key, response.ContentLength, bytes.byteLength);
    return bytes;
  }

  async getToFile(key: string, path: string): Promise<void> {
    // Only once the object is known to exist does anything get created on disk.
    const response = await this.#getObject(key);
    const body = response.Body as Readable;
    try {
      await replaceFileAtomically(path, async (temp) => {
        await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
        checkLength(key, response.ContentLength, (await stat(temp)).size);
      });
    } finally {
      body.destroy(); // a no-op after a full read; frees the connection after a failure
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const Key = this.#objectKey(key);
    try {
      const response = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key }),
      );
      return { key, size: response.ContentLength ?? 0, etag: unquote(response.ETag) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const objects: ObjectInfo[] = [];
    for await (const page of this.#pages(prefix)) objects.push(...page);
    return objects;
  }

  async delete(key: string): Promise<void> {
    const Key = this.#objectKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    // Each page is deleted before the next is asked for: memory stays at one page, and the
    // continuation token (the last key listed) stays valid as keys before it disappear.
    for await (const page of this.#pages(prefix)) {
      if (page.length === 0) continue;
      const response = await this.#client.send(
        new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: page.map((o) => ({ Key: this.#prefix + o.key })), Quiet: true },
        }),
      );
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const first = errors[0]!;
        throw new ObjectStoreError(
          `deletePrefix(${JSON.stringify(prefix)}): ${errors.length} of ${page.length} keys were ` +
            `not deleted, e.g. ${first.Key}: ${first.Code} ${first.Message}`,
        );
      }
      deleted += page.length;
    }
    return deleted;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
  }

  /** Pages of ListObjectsV2 under `prefix`, keys relative to the store. */
  async *#pages(prefix: string): AsyncGenerator<ObjectInfo[]> {
    this.#checkOpen();
    const Prefix = this.#prefix + validatePrefix(prefix);
    let ContinuationToken: string | undefined;
    do {
      const response = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix,
          ContinuationToken,
          MaxKeys: S3_BATCH_KEYS,
        }),
      );
      yield (response.Contents ?? []).map((o) => ({
        key: o.Key!.slice(this.#prefix.length),
        size: o.Size ?? 0,
        etag: unquote(o.ETag),
      }));
      ContinuationToken = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async #getObject(key: string): Promise<GetObjectCommandOutput> {
    const Key = this.#objectKey(key);
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key }));
      if (!response.Body) throw new ObjectStoreError(`GetObject ${Key} returned no body`);
      return response;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key, { cause: err });
      throw err;
    }
  }

  /** Runs a write; maps 412 and retries AWS's 409 ConditionalRequestConflict when conditional. */
  async #conditional(key: string, options: PutOptions, write: () => Promise<unknown>) {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (err) {
        const conflict =
          options.ifNoneMatch === '*' &&
          err instanceof S3ServiceException &&
          err.name === 'ConditionalRequestConflict';
        if (conflict && attempt < CONDITIONAL_CONFLICT_ATTEMPTS) continue;
        throw mapWriteError(err, key);
      }
    }
  }

  /** The bucket key of a store key, after validation. */
  #objectKey(key: string): string {
    this.#checkOpen();
    const objectKey = this.#prefix + validateKey(key);
    if (Buffer.byteLength(objectKey, 'utf8') > MAX_KEY_BYTES) {
      throw new InvalidKeyError(key, `longer than ${MAX_KEY_BYTES} bytes with the store's prefix`);
    }
    return objectKey;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ObjectStoreClosedError();
  }
}

/** Reads `length` bytes at `offset`, failing if the file is shorter than it was. */
async function readExactly(
  handle: FileHandle,
  offset: number,
  length: number,
  path: string,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) throw new ObjectStoreError(`${path} shrank while it was being uploaded`);
    filled += bytesRead;
  }
  return buffer;
}

function checkLength(key: string, expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new ObjectStoreError(
      `object ${JSON.stringify(key)}: received ${actual} of ${expected} bytes`,
    );
  }
}

function mapWriteError(err: unknown, key: string): unknown {
  if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 412) {
    return new PreconditionFailedError(key, { cause: err });
  }
  return err;
}

/** 404 for the object, not for the bucket (a missing bucket is a configuration error). */
function isNotFound(err: unknown): boolean {
  return (
    err instanceof S3ServiceException &&
    err.$metadata.httpStatusCode === 404 &&
    err.name !== 'NoSuchBucket'
  );
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"(.*)"$/, '$1');
}
