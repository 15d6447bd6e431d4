import { createHash, randomUUID } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { compareKeys, validateKey, validatePrefix } from './keys.js';
import { errnoCode, fsyncPath, mapBounded, replaceFileAtomically } from './local-files.js';
import {
  InvalidKeyError,
  ObjectNotFoundError,
  ObjectStoreClosedError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';

/** Options of {@link createFsObjectStore}. */
export interface FsStoreOptions {
  /** The store's directory (created if missing). */
  root: string;
}

/** Errors of a path that does not name a file (or whose parent is a file). */
const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
/** Attempts at installing a file whose new parent directory a concurrent delete pruned. */
const INSTALL_ATTEMPTS = 5;
/** Deletes in flight in one deletePrefix. */
const DELETE_CONCURRENCY = 16;

/**
 * An {@link ObjectStore} in a local directory (single-node mode, tests).
 *
 * Layout: object `a/b/c` is the file `<root>/objects/a/b/c`; writes are staged in `<root>/tmp/`
 * (same filesystem, so the final step is a rename or link). Keys cannot escape `objects/`: see
 * the key rules of {@link validateKey}. A filesystem cannot hold a file `a/b` and a file `a/b/c`
 * at once; such a put rejects with {@link InvalidKeyError} (MinIO has the same limitation, and
 * HueDB's layout never needs it).
 *
 * Durability: put writes and fsyncs the temp file, then renames it into place (or links it, for
 * `ifNoneMatch`) and fsyncs the directory, and every directory it created: once put resolves the
 * object survives a crash; before, the key holds the old object or nothing. A crash can leave
 * temp files in `<root>/tmp/`; they are never listed, and are safe to delete while no process
 * uses the store.
 *
 * `ifNoneMatch: '*'` installs with link(2), which fails with EEXIST when the key exists — atomic
 * against concurrent writers in this and other processes.
 *
 * etag: hex MD5 of the file's size, mtime (ns), ctime (ns) and inode — cheap (no read of the
 * content) and different for every write, since each put installs a new inode. It is not a
 * content hash: the same bytes written twice get different etags.
 *
 * list walks the directory tree under the prefix (only the subtree the prefix can match) and
 * sorts the keys by their UTF-8 bytes, as S3 does. delete removes directories it leaves empty.
 * contentType is ignored.
 */
export function createFsObjectStore(options: FsStoreOptions): ObjectStore {
  return new FsObjectStore(options);
}

class FsObjectStore implements ObjectStore {
  readonly #objects: string;
  readonly #tmp: string;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: FsStoreOptions) {
    if (!options.root) throw new RangeError('root is required');
    const root = resolve(options.root);
    this.#objects = join(root, 'objects');
    this.#tmp = join(root, 'tmp');
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const target = this.#pathOf(key);
    await this.#install(key, target, options, (handle) => handle.writeFile(body));
  }

  async putFile(key: string, path: string, options: PutOptions = {}): Promise<void> {
    const target = this.#pathOf(key);
    await this.#install(key, target, options, async (handle, temp) => {
      await handle.close();
      await copyFile(path, temp); // copy_file_range: no pass through user space
    });
  }

  async get(key: string): Promise<Uint8Array> {
    const target = this.#pathOf(key);
    try {
      return await readFile(target);
    } catch (err) {
      throw mapReadError(err, key);
    }
  }

  async getToFile(key: string, path: string): Promise<void> {
    const target = this.#pathOf(key);
    // Check first, so that a missing key creates nothing (not even path's directory).
    if ((await this.#statFile(target)) === null) throw new ObjectNotFoundError(key);
    try {
      await replaceFileAtomically(path, (temp) => copyFile(target, temp));
    } catch (err) {
      throw mapReadError(err, key); // deleted since the check
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const target = this.#pathOf(key);
    const stats = await this.#statFile(target);
    return stats === null ? null : info(key, stats);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.#checkOpen();
    validatePrefix(prefix);
    // Walk only the directory of the prefix's complete segments, filtering its entries by the
    // partial last segment: "a/b" walks objects/a/ and keeps entries starting with "b".
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1);
    const found: ObjectInfo[] = [];
    await this.#walk(join(this.#objects, dirKey), dirKey, prefix.slice(slash + 1), found);
    return found.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    const target = this.#pathOf(key);
    try {
      await unlink(target);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      // A directory (key "a/b" while "a/b/c" exists) is not an object: nothing to delete.
      if ((code === 'EISDIR' || code === 'EPERM') && (await isDirectory(target))) return;
      throw err;
    }
    await this.#pruneEmptyParents(target);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await mapBounded(objects, DELETE_CONCURRENCY, (o) => this.delete(o.key));
    return objects.length;
  }

  close(): void {
    this.#closed = true;
  }

  /**
   * Writes a temp file with `fill`, fsyncs it and moves it to `target`: rename (replaces), or for
   * ifNoneMatch link + unlink (link fails with EEXIST when the key exists, atomically).
   */
  async #install(
    key: string,
    target: string,
    options: PutOptions,
    fill: (handle: FileHandle, temp: string) => Promise<void>,
  ): Promise<void> {
    await this.#ensureReady();
    const temp = join(this.#tmp, randomUUID());
    try {
      const handle = await open(temp, 'wx');
      try {
        await fill(handle, temp);
      } finally {
        await handle.close().catch(() => {}); // fill may have closed it
      }
      await fsyncPath(temp);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#makeParents(key, target);
          if (options.ifNoneMatch === '*') await link(temp, target);
          else await rename(temp, target);
          break;
        } catch (err) {
          const code = errnoCode(err);
          // A concurrent delete pruned a directory just made: make it again.
          if (code === 'ENOENT' && attempt < INSTALL_ATTEMPTS) continue;
          if (code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY') {
            if (await isDirectory(target)) throw prefixConflict(key);
            if (code === 'EEXIST') throw new PreconditionFailedError(key, { cause: err });
          }
          throw err;
        }
      }
      try {
        await fsyncPath(dirname(target));
      } catch (err) {
        // Gone: a concurrent delete of this key pruned it, which is a valid outcome of the race.
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    } finally {
      await rm(temp, { force: true }); // after a link, or after a failure
    }
  }

  /** mkdir -p of target's directory; fsyncs the parent of every directory it created. */
  async #makeParents(key: string, target: string): Promise<void> {
    const dir = dirname(target);
    let first: string | undefined;
    try {
      first = await mkdir(dir, { recursive: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOTDIR' || code === 'EEXIST') throw prefixConflict(key);
      throw err;
    }
    if (first === undefined) return;
    // New entries: `first` in its parent, and each directory below it in the next. The last
    // one's own entries are fsynced after the install.
    for (let d = dir; d !== dirname(first); d = dirname(d)) await fsyncPath(dirname(d));
  }

  async #pruneEmptyParents(target: string): Promise<void> {
    for (let dir = dirname(target); dir !== this.#objects; dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or gone): its parents are not empty either
      }
    }
  }

  async #walk(dir: string, keyPrefix: string, filter: string, found: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (NOT_FOUND.has(errnoCode(err) ?? '')) return;
      throw err;
    }
    await Promise.all(
      entries.map(async (entry) => {
        if (!entry.name.startsWith(filter)) return;
        const key = keyPrefix + entry.name;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          await this.#walk(path, `${key}/`, '', found);
        } else if (entry.isFile()) {
          const stats = await this.#statFile(path);
          if (stats !== null) found.push(info(key, stats)); // null: deleted since readdir
        }
      }),
    );
  }

  async #statFile(path: string): Promise<BigIntStats | null> {
    try {
      const stats = await stat(path, { bigint: true });
      return stats.isFile() ? stats : null;
    } catch (err) {
      if (NOT_FOUND.has(errnoCode(err) ?? '')) return null;
      throw err;
    }
  }

  /** The file of a key, after validation. The key rules keep it below `objects/`. */
  #pathOf(key: string): string {
    this.#checkOpen();
    const path = join(this.#objects, validateKey(key));
    if (!path.startsWith(this.#objects + sep)) {
      throw new InvalidKeyError(key, 'resolves outside the store'); // defence in depth
    }
    return path;
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.#objects, { recursive: true });
      await mkdir(this.#tmp, { recursive: true });
      await fsyncPath(dirname(this.#objects)); // the two entries above, before any put is acked
    })().catch((err: unknown) => {
      this.#ready = undefined; // try again on the next put
      throw err;
    });
    return this.#ready;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ObjectStoreClosedError();
  }
}

function info(key: string, stats: BigIntStats): ObjectInfo {
  const identity = `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}`;
  return {
    key,
    size: Number(stats.size),
    etag: createHash('md5').update(identity).digest('hex'),
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

function mapReadError(err: unknown, key: string): unknown {
  return NOT_FOUND.has(errnoCode(err) ?? '') ? new ObjectNotFoundError(key, { cause: err }) : err;
}

function prefixConflict(key: string): InvalidKeyError {
  return new InvalidKeyError(
    key,
    'the filesystem store cannot hold both a key and keys under it as a directory ("a/b" and "a/b/c")',
  );
}
