import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { syncDirectory } from './sync-directory.js';

/**
 * How a lock file records its holder: `json` — pid, host, process start time and a unique token;
 * `pid` — the pid and a newline, the format single-node catalogs have always written (so a
 * directory written by an older HueDB is still understood).
 */
export type LockFormat = 'json' | 'pid';

/** Why a lock was refused; the caller turns it into its own error. */
export type LockRefusal =
  | {
      /** A live process holds the lock. */
      kind: 'held';
      dir: string;
      file: string;
      pid: number;
      /** Its host, or "unknown host" (the `pid` format does not say). */
      host: string;
      /** When it took the lock, or "an unknown time". */
      since: string;
    }
  | {
      /** This process holds it already (another instance). */ kind: 'this-process';
      dir: string;
      file: string;
    }
  | {
      /** The lock file kept changing under us (processes starting at once). */ kind: 'contended';
      dir: string;
      file: string;
    };

/** Options of {@link DirectoryLock.acquire}. */
export interface DirectoryLockOptions {
  /** The lock file's name inside the directory. Default `LOCK`. */
  fileName?: string;
  /** What the lock file says about its holder. Default `json`. */
  format?: LockFormat;
  /** The error to reject with when the lock cannot be taken. */
  refused: (refusal: LockRefusal) => Error;
  /** Told when a stale lock (its process is gone) was taken over. */
  onTakeover?: (message: string) => void;
}

/** What a lock file says about its holder. */
interface LockHolder {
  pid: number;
  host: string;
  /** Its start time on Linux (ticks since boot, /proc/<pid>/stat): tells a reused pid. */
  processStart: string | null;
  /** Unique per acquisition (json format only): tells this lock's file from another's. */
  token: string | null;
  acquiredAt: string;
}

/**
 * The lock files this process holds or is taking, by absolute path: reserved synchronously at the
 * start of an acquisition, so two acquisitions racing in this process cannot both pass.
 */
const reserved = new Set<string>();
/** The tokens of the json locks this process holds (catches a second spelling of a directory). */
const heldTokens = new Set<string>();

/** Attempts before giving up when other processes keep changing the lock file under us. */
const MAX_ATTEMPTS = 10;

/**
 * An exclusive lock on a directory, held by one process: a file in it, created atomically (written
 * and synced under a temporary name, then hard-linked into place, which fails if it exists) with
 * the holder's pid (and, in the json format, host, start time and a unique token).
 *
 * A lock whose process is gone is stale and is taken over: its pid does not exist; or the pid is
 * this process's own but this process holds no lock on the directory (a restarted container reuses
 * pids); or, on Linux, the pid now belongs to a process started at another time. Taking over
 * renames the stale file aside and checks that what it moved is the stale content it judged — if
 * another process took the lock over in between, its lock is linked back and this process retries.
 *
 * Not covered: two hosts sharing the directory over a network file system (a pid from another host
 * means nothing here); the lock refuses then only while the pid happens to be alive locally.
 */
export class DirectoryLock {
  readonly #file: string;
  readonly #holder: LockHolder;
  readonly #format: LockFormat;
  #released = false;

  private constructor(file: string, holder: LockHolder, format: LockFormat) {
    this.#file = file;
    this.#holder = holder;
    this.#format = format;
  }

  /** The lock file. */
  get file(): string {
    return this.#file;
  }

  /**
   * Takes the lock of `dir` (which must exist), taking over a stale one. Rejects with
   * `options.refused(…)` when a live process — or this process, through another instance —
   * holds it.
   */
  static async acquire(dir: string, options: DirectoryLockOptions): Promise<DirectoryLock> {
    const file = path.resolve(dir, options.fileName ?? 'LOCK');
    if (reserved.has(file)) throw options.refused({ kind: 'this-process', dir, file });
    reserved.add(file);
    try {
      return await DirectoryLock.#acquire(dir, file, options);
    } catch (err) {
      reserved.delete(file);
      throw err;
    }
  }

  static async #acquire(
    dir: string,
    file: string,
    options: DirectoryLockOptions,
  ): Promise<DirectoryLock> {
    const format = options.format ?? 'json';
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      processStart: await processStartTime(process.pid),
      token: format === 'json' ? randomUUID() : null,
      acquiredAt: new Date().toISOString(),
    };
    const content = format === 'json' ? `${JSON.stringify(holder)}\n` : `${holder.pid}\n`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await createExclusive(file, content)) {
        await syncDirectory(path.dirname(file));
        if (holder.token !== null) heldTokens.add(holder.token);
        return new DirectoryLock(file, holder, format);
      }
      const existing = await readFile(file, 'utf8').catch(ifMissing(undefined));
      if (existing === undefined) continue; // released meanwhile
      const other = parseHolder(existing, format);
      if (other?.token != null && heldTokens.has(other.token)) {
        throw options.refused({ kind: 'this-process', dir, file });
      }
      if (!(await isStale(other))) {
        throw options.refused({
          kind: 'held',
          dir,
          file,
          pid: other!.pid,
          host: other!.host,
          since: other!.acquiredAt,
        });
      }
      if (await takeOver(file, existing)) {
        options.onTakeover?.(
          other
            ? `took over the lock of ${dir} from process ${other.pid}, which is gone`
            : `took over the unreadable lock file of ${dir}`,
        );
      }
    }
    throw options.refused({ kind: 'contended', dir, file });
  }

  /** Releases the lock (removes the file if it is still this lock's). Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      const current = parseHolder(
        await readFile(this.#file, 'utf8').catch(ifMissing('')),
        this.#format,
      );
      const mine =
        current !== undefined &&
        current.pid === this.#holder.pid &&
        current.token === this.#holder.token;
      if (mine) await unlink(this.#file).catch(ifMissing(undefined));
    } finally {
      if (this.#holder.token !== null) heldTokens.delete(this.#holder.token);
      reserved.delete(this.#file);
    }
  }
}

/** Creates `file` with `content` unless it exists; false when it does. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(ifMissing(undefined));
  }
}

/**
 * Moves the stale lock `file` (whose content was `stale`) out of the way. If what it moved is not
 * that content, another process replaced the stale lock meanwhile: its lock is put back (a hard
 * link, so nothing else can slip in under the same name) and false is returned.
 */
async function takeOver(file: string, stale: string): Promise<boolean> {
  const aside = `${file}.stale.${process.pid}.${randomUUID()}`;
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const moved = await readFile(aside, 'utf8');
    if (moved === stale) return true;
    await link(aside, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    return false;
  } finally {
    await unlink(aside).catch(ifMissing(undefined));
  }
}

async function isStale(holder: LockHolder | undefined): Promise<boolean> {
  if (!holder) return true; // a lock is written before it is linked into place: never partial
  // Our own pid, on a file this process does not hold (it would have been refused above): a
  // previous incarnation's.
  if (holder.pid === process.pid) return true;
  if (!isAlive(holder.pid)) return true;
  if (holder.processStart !== null) {
    const start = await processStartTime(holder.pid);
    if (start !== null && start !== holder.processStart) return true;
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's start time on Linux (field 22 of /proc/<pid>/stat); null elsewhere. */
async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start with field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function parseHolder(content: string, format: LockFormat): LockHolder | undefined {
  if (format === 'pid') {
    const pid = /^(\d+)\n?$/.exec(content)?.[1];
    if (pid === undefined || !(Number(pid) > 0)) return undefined;
    return {
      pid: Number(pid),
      host: 'unknown host',
      processStart: null,
      token: null,
      acquiredAt: 'an unknown time',
    };
  }
  try {
    const parsed = JSON.parse(content) as Partial<LockHolder>;
    if (
      typeof parsed.pid === 'number' &&
      Number.isInteger(parsed.pid) &&
      parsed.pid > 0 &&
      typeof parsed.token === 'string'
    ) {
      return {
        pid: parsed.pid,
        host: String(parsed.host ?? 'unknown host'),
        processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
        token: parsed.token,
        acquiredAt: String(parsed.acquiredAt ?? 'an unknown time'),
      };
    }
  } catch {
    // unreadable: treated as stale by the caller
  }
  return undefined;
}

function ifMissing<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };
}
