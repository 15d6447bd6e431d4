import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getInfra, uniqueName } from '@huedb/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidKeyError,
  PreconditionFailedError,
  createFsObjectStore,
  createS3ObjectStore,
  objectStoreFromEnv,
  type ObjectStore,
  type S3StoreOptions,
} from '@huedb/storage';
import { describeObjectStoreConformance } from '@huedb/storage/conformance';

const MiB = 1024 * 1024;
/** With 5 MiB parts (S3's minimum) a 12 MiB file is three parts: 5 + 5 + 2 MiB. */
const LARGE_FILE_BYTES = 12 * MiB;

const { s3 } = getInfra();
const runPrefix = `${uniqueName('storagetest')}/`;
let stores = 0;

/** S3 options of a store with its own prefix under this run's, and a 5 MiB multipart threshold. */
function s3Options(overrides: Partial<S3StoreOptions> = {}): S3StoreOptions {
  return {
    ...s3,
    prefix: `${runPrefix}s${++stores}/`,
    forcePathStyle: true,
    multipartThresholdBytes: 5 * MiB,
    partSizeBytes: 5 * MiB,
    ...overrides,
  };
}

const client = new S3Client({
  endpoint: s3.endpoint,
  region: s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
});

afterAll(async () => {
  const everything = createS3ObjectStore({ ...s3, prefix: runPrefix });
  await everything.deletePrefix('');
  everything.close();
  client.destroy();
});

describeObjectStoreConformance('S3 (MinIO)', {
  largeFileBytes: LARGE_FILE_BYTES,
  create: async () => createS3ObjectStore(s3Options()),
});

const fsRoots = await mkdtemp(join(tmpdir(), 'huedb-fs-store-'));
let fsStores = 0;

describeObjectStoreConformance('filesystem', {
  largeFileBytes: LARGE_FILE_BYTES,
  create: async () => createFsObjectStore({ root: join(fsRoots, `s${++fsStores}`) }),
  cleanup: () => rm(fsRoots, { recursive: true, force: true }),
});

describe('S3 object store specifics', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'huedb-s3-store-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  async function withStore<T>(
    overrides: Partial<S3StoreOptions>,
    run: (store: ObjectStore, prefix: string) => Promise<T>,
  ): Promise<T> {
    const options = s3Options(overrides);
    const store = createS3ObjectStore(options);
    try {
      return await run(store, options.prefix!);
    } finally {
      store.close();
    }
  }

  it('MinIO honours If-None-Match: * on CompleteMultipartUpload (412 when the key appeared)', async () => {
    const Bucket = s3.bucket;
    const Key = `${runPrefix}raw/complete-condition`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    try {
      const part = await client.send(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(1024) }),
      );
      // Another writer creates the key after the upload started, before it completes.
      await client.send(new PutObjectCommand({ Bucket, Key, Body: 'the other writer' }));
      const completed = await client
        .send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
            IfNoneMatch: '*',
          }),
        )
        .catch((e: unknown) => e);
      expect(completed).toBeInstanceOf(S3ServiceException);
      expect((completed as S3ServiceException).$metadata.httpStatusCode).toBe(412);
      await withStore({ prefix: runPrefix }, async (store) => {
        expect(Buffer.from(await store.get('raw/complete-condition')).toString()).toBe(
          'the other writer',
        );
      });
    } finally {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    }
  });

  it('uploads large files in parts and leaves no upload behind when a conditional one loses', async () => {
    await withStore({}, async (store, prefix) => {
      const files = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const file = join(scratch, `large-${i}`);
          await writeFile(file, randomBytes(LARGE_FILE_BYTES));
          return file;
        }),
      );
      const results = await Promise.allSettled(
        files.map((file) => store.putFile('big', file, { ifNoneMatch: '*' })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      }
      // S3's multipart ETag: MD5 of the parts' MD5s, "-" and the part count (5 + 5 + 2 MiB).
      expect((await store.head('big'))?.etag).toMatch(/^[0-9a-f]{32}-3$/);

      const uploads = await client.send(
        new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }),
      );
      expect(uploads.Uploads ?? []).toEqual([]);
    });
  });

  it('keeps keys under its bucket prefix ("p" means "p/") and reports them without it', async () => {
    const prefix = `${runPrefix}noslash`;
    await withStore({ prefix }, async (store) => {
      await store.put('k/1', 'v');
      const raw = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }),
      );
      expect(raw.Contents?.map((o) => o.Key)).toEqual([`${prefix}/k/1`]);
      expect((await store.list('')).map((o) => o.key)).toEqual(['k/1']);
    });
  });

  it('refuses parts below S3 minimum and half-given credentials', () => {
    expect(() => createS3ObjectStore({ ...s3, partSizeBytes: MiB })).toThrow(RangeError);
    expect(() => createS3ObjectStore({ ...s3, secretAccessKey: undefined })).toThrow(RangeError);
  });

  it('objectStoreFromEnv builds an S3 store from HUEDB_S3_* (and a directory store)', async () => {
    const prefix = `${runPrefix}env/`;
    const store = objectStoreFromEnv({
      HUEDB_S3_ENDPOINT: s3.endpoint,
      HUEDB_S3_REGION: s3.region,
      HUEDB_S3_ACCESS_KEY_ID: s3.accessKeyId,
      HUEDB_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      HUEDB_S3_BUCKET: s3.bucket,
      HUEDB_S3_PREFIX: prefix,
    });
    try {
      await store.put('from-env', 'hello');
      const raw = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
      );
      expect(raw.Contents?.map((o) => o.Key)).toEqual([`${prefix}from-env`]);
    } finally {
      store.close();
    }

    const root = join(scratch, 'env-root');
    const local = objectStoreFromEnv({ HUEDB_OBJECT_STORE_DIR: root, HUEDB_S3_BUCKET: s3.bucket });
    await local.put('from-env', 'hello');
    expect(await readFile(join(root, 'objects', 'from-env'), 'utf8')).toBe('hello');
    expect(() => objectStoreFromEnv({})).toThrow(/HUEDB_S3_BUCKET/);
  });
});

describe('filesystem object store specifics', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'huedb-fs-specifics-'));
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it('keeps objects as files under <root>/objects, stages in <root>/tmp, never escapes root', async () => {
    const root = join(parent, 'layout', 'root');
    const store = createFsObjectStore({ root });
    await store.put('tenants/t/seg.bin', 'segment');
    await store.put('lease', 'mine', { ifNoneMatch: '*' });
    await expect(store.put('lease', 'theirs', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    for (const key of ['../escaped', 'a/../../escaped', '/escaped']) {
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    }

    expect(await readFile(join(root, 'objects', 'tenants', 't', 'seg.bin'), 'utf8')).toBe(
      'segment',
    );
    expect(await readdir(join(root, 'tmp'))).toEqual([]); // no temp left, even by the loser
    expect(await readdir(join(parent, 'layout'))).toEqual(['root']);
    expect((await readdir(root)).sort()).toEqual(['objects', 'tmp']);

    // What a crash mid-put leaves in tmp/ is never an object.
    await writeFile(join(root, 'tmp', 'crashed-write'), 'partial');
    expect((await store.list('')).map((o) => o.key)).toEqual(['lease', 'tenants/t/seg.bin']);
  });

  it('removes the directories a delete leaves empty, and only those', async () => {
    const root = join(parent, 'prune');
    const store = createFsObjectStore({ root });
    await store.put('x/y/z', '1');
    await store.put('x/keep', '2');
    await store.delete('x/y/z');
    expect(await readdir(join(root, 'objects', 'x'))).toEqual(['keep']);
    await store.delete('x/keep');
    expect(await readdir(join(root, 'objects'))).toEqual([]);
  });

  it('cannot hold "a/b" and "a/b/c" at once: InvalidKeyError, nothing written', async () => {
    const store = createFsObjectStore({ root: join(parent, 'conflict') });
    await store.put('file', 'f');
    await expect(store.put('file/child', 'c')).rejects.toBeInstanceOf(InvalidKeyError);
    await store.put('dir/child', 'c');
    await expect(store.put('dir', 'd')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.put('dir', 'd', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      InvalidKeyError,
    );
    expect(await store.head('dir')).toBeNull();
    await store.delete('dir'); // a directory is not an object: nothing to delete
    expect((await store.list('')).map((o) => o.key)).toEqual(['dir/child', 'file']);
  });

  it('puts racing deletes that prune their directory still succeed', async () => {
    const store = createFsObjectStore({ root: join(parent, 'race') });
    await store.put('d/0', '0');
    // Each delete empties d/ and tries to remove it while the next put is creating it.
    for (let i = 1; i <= 100; i++) {
      await Promise.all([store.put(`d/${i}`, String(i)), store.delete(`d/${i - 1}`)]);
    }
    expect((await store.list('')).map((o) => o.key)).toEqual(['d/100']);
  });

  it('conditional puts from two instances over one root (two processes): one wins', async () => {
    const root = join(parent, 'shared');
    await mkdir(root);
    const a = createFsObjectStore({ root });
    const b = createFsObjectStore({ root });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).put('owner', `writer ${i}`, { ifNoneMatch: '*' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });
});
