import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mapBounded } from './local-files.js';
import {
  InvalidKeyError,
  ObjectNotFoundError,
  ObjectStoreClosedError,
  PreconditionFailedError,
  type ObjectStore,
} from './object-store.js';

/** What an implementation provides to run {@link describeObjectStoreConformance}. */
export interface ObjectStoreConformanceFactory {
  /**
   * A store over a fresh, empty namespace that no other test uses (a new key prefix, a new
   * directory). The suite closes it after the test.
   */
  create(): Promise<ObjectStore>;
  /**
   * A file size in bytes that the stores from `create` upload in parts (above their multipart
   * threshold, ideally at least two parts and a short last one: e.g. 12 MiB with 5 MiB parts).
   * Implementations without multipart give any size of a few MiB.
   */
  largeFileBytes: number;
  /** Called once after the suite (e.g. to delete the run's prefix). */
  cleanup?(): Promise<void>;
}

/** Keys whose UTF-8 order differs from a naive one ("-" < "/", "é" < "Ａ" < "😀" in bytes). */
const ORDERED_KEYS = [
  'a/a',
  'a/b-c',
  'a/b/c',
  'a/b/d/e',
  'a/bc/x',
  'a/é',
  'a/Ａ', // U+FF21: UTF-8 EF BC A1, before U+1F600 (F0 ...) although its UTF-16 unit is larger
  'a/😀',
  'ab',
  'b',
];

/** Keys every store must refuse, with why. */
const INVALID_KEYS: [string, string][] = [
  ['', 'empty'],
  ['/a', 'absolute'],
  ['..', 'parent'],
  ['../x', 'parent first'],
  ['a/../../x', 'escapes through parents'],
  ['a/..', 'parent last'],
  ['a/./b', 'dot segment'],
  ['a//b', 'empty segment'],
  ['a/', 'trailing slash'],
  ['a\0b', 'NUL'],
  ['a/ .. /b', 'a padded parent segment'],
  ['a\\..\\b', 'backslashes'],
  ['k'.repeat(1025), 'over 1024 bytes'],
];

/** Prefixes list/deletePrefix must refuse. */
const INVALID_PREFIXES = ['/', '/a', '../', 'a/../', 'a//', './x', '.', 'a/..', 'a\\'];

/**
 * The contract of {@link ObjectStore}, as one vitest suite that every implementation runs (S3 on
 * MinIO and the filesystem store, in packages/storage/test). Every test gets a fresh, empty store
 * from `factory.create`, so it may assert on everything the store lists.
 */
export function describeObjectStoreConformance(
  name: string,
  factory: ObjectStoreConformanceFactory,
): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    const stores: ObjectStore[] = [];
    let scratch: string;
    let files = 0;

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'huedb-storage-conformance-'));
    });
    afterEach(() => {
      for (const store of stores.splice(0)) store.close();
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
      await factory.cleanup?.();
    });

    async function freshStore(): Promise<ObjectStore> {
      const store = await factory.create();
      stores.push(store);
      return store;
    }

    /** A new, empty local directory for the test's files. */
    async function localDir(): Promise<string> {
      return mkdtemp(join(scratch, `t${++files}-`));
    }

    async function putAll(store: ObjectStore, keys: string[]): Promise<void> {
      await mapBounded(keys, 16, (key) => store.put(key, `body of ${key}`));
    }

    it('puts, heads, lists, gets and deletes binary objects', async () => {
      const store = await freshStore();
      const body = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(4096),
      ]);
      await store.put('seg/v1/index.bin', body);

      expect(Buffer.from(await store.get('seg/v1/index.bin'))).toEqual(body);
      const head = await store.head('seg/v1/index.bin');
      expect(head).toMatchObject({ key: 'seg/v1/index.bin', size: body.length });
      expect(head!.etag).toMatch(/\S/);
      expect(await store.list('')).toEqual([head]);

      await store.delete('seg/v1/index.bin');
      expect(await store.head('seg/v1/index.bin')).toBeNull();
      expect(await store.list('')).toEqual([]);
      await expect(store.get('seg/v1/index.bin')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('stores strings as UTF-8, a view as its bytes only, and empty objects', async () => {
      const store = await freshStore();
      await store.put('text', 'héllo 😀');
      await store.put('empty', new Uint8Array(0));
      const whole = randomBytes(64);
      await store.put('view', whole.subarray(10, 20));
      expect(Buffer.from(await store.get('view'))).toEqual(whole.subarray(10, 20));
      expect(Buffer.from(await store.get('text'))).toEqual(Buffer.from('héllo 😀', 'utf8'));
      expect(await store.get('empty')).toHaveLength(0);
      expect(await store.head('empty')).toMatchObject({ size: 0 });
      expect((await store.head('text'))?.size).toBe(Buffer.byteLength('héllo 😀'));
    });

    it('replaces an object on an unconditional put, with a new etag', async () => {
      const store = await freshStore();
      await store.put('k', 'first');
      const before = await store.head('k');
      await store.put('k', 'second, longer');
      const after = await store.head('k');
      expect(Buffer.from(await store.get('k')).toString()).toBe('second, longer');
      expect(after!.size).toBe('second, longer'.length);
      expect(after!.etag).not.toBe(before!.etag);
    });

    it('reports missing keys: get/getToFile reject, head is null, delete succeeds', async () => {
      const store = await freshStore();
      await store.put('present', 'x');
      const missing = await store.get('absent').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ObjectNotFoundError);
      expect(missing).toMatchObject({ key: 'absent' });
      await expect(store.getToFile('absent', join(await localDir(), 'f'))).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
      // "present" is a file, so "present/x" has a file as its parent: still just missing.
      await expect(store.get('present/x')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await store.head('absent')).toBeNull();
      await store.delete('absent');
      await store.delete('absent');
      await store.delete('present/x');
      expect((await store.list('')).map((o) => o.key)).toEqual(['present']);
    });

    it('lists keys in UTF-8 byte order with STRING prefix semantics', async () => {
      const store = await freshStore();
      await putAll(store, [...ORDERED_KEYS].reverse());
      const keys = async (prefix: string) => (await store.list(prefix)).map((o) => o.key);

      expect(await keys('')).toEqual(ORDERED_KEYS);
      // A string prefix: "a/b" also matches "a/b-c" and "a/bc/x" ...
      expect(await keys('a/b')).toEqual(['a/b-c', 'a/b/c', 'a/b/d/e', 'a/bc/x']);
      // ... a "directory" is listed by ending the prefix with "/".
      expect(await keys('a/b/')).toEqual(['a/b/c', 'a/b/d/e']);
      expect(await keys('a/bc/')).toEqual(['a/bc/x']);
      expect(await keys('a/b/d')).toEqual(['a/b/d/e']);
      expect(await keys('a/é')).toEqual(['a/é']);
      expect(await keys('a')).toEqual(ORDERED_KEYS.slice(0, 9));
      expect(await keys('a/b/c')).toEqual(['a/b/c']);
      expect(await keys('a/b/c/')).toEqual([]);
      expect(await keys('zz')).toEqual([]);

      const listed = await store.list('a/b/');
      for (const info of listed) {
        expect(info).toEqual(await store.head(info.key));
        expect(info.size).toBe(Buffer.byteLength(`body of ${info.key}`));
      }
    });

    it('lists and deletes more than 1000 keys (pagination, batched deletes)', async () => {
      const store = await freshStore();
      const many = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
      await putAll(store, [...many, 'many0', 'man/y', 'other/x']);

      const listed = await store.list('many/');
      expect(listed.map((o) => o.key)).toEqual(many);
      expect(listed.every((o) => o.size === 'body of many/00000'.length)).toBe(true);

      expect(await store.deletePrefix('many/')).toBe(1100);
      expect((await store.list('')).map((o) => o.key)).toEqual(['man/y', 'many0', 'other/x']);
    });

    it('deletePrefix deletes exactly the keys list returns for the prefix', async () => {
      const store = await freshStore();
      await putAll(store, ORDERED_KEYS);
      const remaining = async () => (await store.list('')).map((o) => o.key);

      expect(await store.deletePrefix('a/b/')).toBe(2);
      expect(await remaining()).toEqual(ORDERED_KEYS.filter((k) => !k.startsWith('a/b/')));
      expect(await store.deletePrefix('a/b')).toBe(2); // a/b-c and a/bc/x: a string prefix
      expect(await store.deletePrefix('nothing/')).toBe(0);
      expect(await remaining()).toEqual(['a/a', 'a/é', 'a/Ａ', 'a/😀', 'ab', 'b']);
      // The emptied "directories" can hold objects again.
      await store.put('a/b/c', 'again');
      expect(Buffer.from(await store.get('a/b/c')).toString()).toBe('again');
    });

    it('conditional put (If-None-Match: *) succeeds once, then fails without writing', async () => {
      const store = await freshStore();
      await store.put('manifest.json', 'first', { ifNoneMatch: '*' });
      const second = await store
        .put('manifest.json', 'second', { ifNoneMatch: '*' })
        .catch((e: unknown) => e);
      expect(second).toBeInstanceOf(PreconditionFailedError);
      expect(second).toMatchObject({ key: 'manifest.json' });
      expect(Buffer.from(await store.get('manifest.json')).toString()).toBe('first');

      // Once deleted, the key can be created again.
      await store.delete('manifest.json');
      await store.put('manifest.json', 'third', { ifNoneMatch: '*' });
      expect(Buffer.from(await store.get('manifest.json')).toString()).toBe('third');
    });

    it('of concurrent conditional puts of one key, exactly one wins', async () => {
      const store = await freshStore();
      const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i} ${'x'.repeat(i * 1000)}`);
      const results = await Promise.allSettled(
        bodies.map((body) => store.put('lease', body, { ifNoneMatch: '*' })),
      );

      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      }
      expect(Buffer.from(await store.get('lease')).toString()).toBe(bodies[winners[0]!]);
      expect((await store.list('')).map((o) => o.key)).toEqual(['lease']);
    });

    it('putFile/getToFile round-trip a large (multipart) file, verified by hash', async () => {
      const store = await freshStore();
      const dir = await localDir();
      const source = join(dir, 'source.bin');
      const content = randomBytes(factory.largeFileBytes);
      await writeFile(source, content);

      await store.putFile('seg/v2/index.bin', source);
      expect((await store.head('seg/v2/index.bin'))?.size).toBe(content.length);

      const target = join(dir, 'cache', 'nested', 'index.bin'); // directories created as needed
      await store.getToFile('seg/v2/index.bin', target);
      expect(sha256(await readFile(target))).toBe(sha256(content));
      expect(sha256(await store.get('seg/v2/index.bin'))).toBe(sha256(content));
      // Only the file itself: no temp file left beside it.
      expect(await readdir(join(dir, 'cache', 'nested'))).toEqual(['index.bin']);
    });

    it('putFile of small and empty files; getToFile replaces an existing file', async () => {
      const store = await freshStore();
      const dir = await localDir();
      await writeFile(join(dir, 'small'), 'small file');
      await writeFile(join(dir, 'empty'), '');
      await store.putFile('small', join(dir, 'small'));
      await store.putFile('empty', join(dir, 'empty'));

      const target = join(dir, 'target');
      await writeFile(target, 'old content, to be replaced');
      await store.getToFile('small', target);
      expect(await readFile(target, 'utf8')).toBe('small file');
      await store.getToFile('empty', target);
      expect(await readFile(target, 'utf8')).toBe('');
      expect((await readdir(dir)).sort()).toEqual(['empty', 'small', 'target']);
    });

    it('conditional putFile of a large file: once, then PreconditionFailedError', async () => {
      const store = await freshStore();
      const dir = await localDir();
      const first = randomBytes(factory.largeFileBytes);
      await writeFile(join(dir, 'first'), first);
      await writeFile(join(dir, 'second'), randomBytes(factory.largeFileBytes));

      await store.putFile('big', join(dir, 'first'), { ifNoneMatch: '*' });
      await expect(
        store.putFile('big', join(dir, 'second'), { ifNoneMatch: '*' }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(sha256(await store.get('big'))).toBe(sha256(first));
    });

    it('of concurrent conditional putFiles of a large file, exactly one wins', async () => {
      const store = await freshStore();
      const dir = await localDir();
      const contents = [0, 1, 2].map(() => randomBytes(factory.largeFileBytes));
      await Promise.all(contents.map((c, i) => writeFile(join(dir, `f${i}`), c)));

      const results = await Promise.allSettled(
        contents.map((_, i) => store.putFile('big', join(dir, `f${i}`), { ifNoneMatch: '*' })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      }
      expect(sha256(await store.get('big'))).toBe(sha256(contents[winners[0]!]!));
    });

    it('getToFile of a missing key leaves no file, partial or temp, and keeps the old one', async () => {
      const store = await freshStore();
      const dir = await localDir();
      const existing = join(dir, 'existing');
      await writeFile(existing, 'keep me');

      await expect(store.getToFile('absent', existing)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.getToFile('absent', join(dir, 'new'))).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
      expect(await readFile(existing, 'utf8')).toBe('keep me');
      expect(await readdir(dir)).toEqual(['existing']);
    });

    it('rejects invalid keys and prefixes before doing anything', async () => {
      const store = await freshStore();
      const dir = await localDir();
      const source = join(dir, 'source');
      await writeFile(source, 'data');
      for (const [key, why] of INVALID_KEYS) {
        const calls: [string, () => Promise<unknown>][] = [
          ['put', () => store.put(key, 'x')],
          ['conditional put', () => store.put(key, 'x', { ifNoneMatch: '*' })],
          ['putFile', () => store.putFile(key, source)],
          ['get', () => store.get(key)],
          ['getToFile', () => store.getToFile(key, join(dir, 'target'))],
          ['head', () => store.head(key)],
          ['delete', () => store.delete(key)],
        ];
        for (const [call, run] of calls) {
          const error = await run().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `${call} of a key that is ${why}`).toBeInstanceOf(InvalidKeyError);
        }
      }
      for (const prefix of INVALID_PREFIXES) {
        await expect(store.list(prefix), prefix).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.deletePrefix(prefix), prefix).rejects.toBeInstanceOf(InvalidKeyError);
      }
      expect(await store.list('')).toEqual([]);
      expect(await readdir(dir)).toEqual(['source']);
      // Segments that merely start with dots are ordinary keys.
      await store.put('.hidden/..x/...', 'dots');
      expect((await store.list('.h')).map((o) => o.key)).toEqual(['.hidden/..x/...']);
    });

    it('rejects every call after close()', async () => {
      const store = await freshStore();
      await store.put('k', 'v');
      store.close();
      store.close(); // idempotent
      await expect(store.get('k')).rejects.toBeInstanceOf(ObjectStoreClosedError);
      await expect(store.put('k', 'v')).rejects.toBeInstanceOf(ObjectStoreClosedError);
      await expect(store.list('')).rejects.toBeInstanceOf(ObjectStoreClosedError);
    });
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
