import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { getInfra, uniqueName } from '@huedb/testing';

describe('S3-compatible object store (real server)', () => {
  const { s3 } = getInfra();
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const prefix = `${uniqueName('smoke')}/`;
  const Bucket = s3.bucket;

  afterAll(() => client.destroy());

  it('puts, gets, lists and deletes objects', async () => {
    const body = Buffer.from(new Float32Array([1.5, -2, 3.25]).buffer);
    await client.send(new PutObjectCommand({ Bucket, Key: `${prefix}a.bin`, Body: body }));
    await client.send(new PutObjectCommand({ Bucket, Key: `${prefix}b.txt`, Body: 'hello' }));

    const got = await client.send(new GetObjectCommand({ Bucket, Key: `${prefix}a.bin` }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);

    const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`${prefix}a.bin`, `${prefix}b.txt`]);

    await client.send(new DeleteObjectCommand({ Bucket, Key: `${prefix}a.bin` }));
    const after = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect(after.Contents?.map((o) => o.Key)).toEqual([`${prefix}b.txt`]);
    await expect(
      client.send(new GetObjectCommand({ Bucket, Key: `${prefix}a.bin` })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('conditional put (If-None-Match: *) succeeds once and fails the second time', async () => {
    const Key = `${prefix}manifest.json`;
    await client.send(new PutObjectCommand({ Bucket, Key, Body: 'first', IfNoneMatch: '*' }));
    const second = await client
      .send(new PutObjectCommand({ Bucket, Key, Body: 'second', IfNoneMatch: '*' }))
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(S3ServiceException);
    expect((second as S3ServiceException).$metadata.httpStatusCode).toBe(412);

    const got = await client.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body!.transformToString()).toBe('first');
  });
});
