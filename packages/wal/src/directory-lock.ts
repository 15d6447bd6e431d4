import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { WalUnavailableError } from './errors.js';
import { syncDirectory } from './sync-directory.js';
import type { WalLogger } from './wal.js';

/** What a lock file says about its holder. */
interface LockHolder {
  pid: number;
  host: string;
  /** Its start time on Linux (ticks since boot, /proc/<pid>/stat): tells a reused pid. */
  processStart: string | null;
  /** Unique per acquisition: tells this process's own locks from a previous process's. */
  token: string;
  acquiredAt: string;
}

/** The tokens of the locks this process holds. */
const held = new Set<string>();

/** Attempts before giving up when other processes keep changing the lock file under us. */
const MAX_ATTEMPTS = 10;

/**
 * An exclusive lock on a directory, held by one process: the file `<dir>/LOCK`, created
 * atomically (written and synced under a temporary name, then hard-linked into place, which fails
 * if it exists) with the holder's pid, host, start time and a unique token.
 *
 * A lock whose process is gone is stale and is taken over: its pid does not exist; or the pid is
 * this process's own but the token is not one this process holds (a restarted container reuses
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
  #released = false;

  private constructor(file: string, holder: LockHolder) {
    this.#file = file;
    this.#holder = holder;
  }

  /** The lock file. */
  get file(): string {
    return this.#file;
  }

  /**
   * Takes the lock of `dir` (which must exist), taking over a stale one. Rejects with
   * WalUnavailableError when a live process — or this process, through another instance — holds it.
   */
  static async acquire(dir: string, logger: WalLogger): Promise<DirectoryLock> {
    const file = path.join(dir, 'LOCK');
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      processStart: await processStartTime(process.pid),
      token: randomUUID(),
      acquiredAt: new Date().toISOString(),
    };
    const content = `${JSON.stringify(holder)}\n`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await createExclusive(file, content)) {
        await syncDirectory(dir);
        held.add(holder.token);
        return new DirectoryLock(file, holder);
      }
      const existing = await readFile(file, 'utf8').catch(ifMissing(undefined));
      if (existing === undefined) continue; // released meanwhile
      const other = parseHolder(existing);
      if (!(await isStale(other, file))) {
        throw new WalUnavailableError(
          `${dir} is in use by process ${other!.pid} on ${other!.host} (since ` +
            `${other!.acquiredAt}): only one process may open a local write-ahead log`,
        );
      }
      if (await takeOver(file, existing)) {
        logger.warn(
          other
            ? `took over the lock of ${dir} from process ${other.pid}, which is gone`
            : `took over the unreadable lock file of ${dir}`,
        );
      }
    }
    throw new WalUnavailableError(
      `could not lock ${dir}: its lock file kept changing (other processes starting?)`,
    );
  }

  /** Releases the lock (removes the file if it is still this lock's). Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    held.delete(this.#holder.token);
    const current = parseHolder(await readFile(this.#file, 'utf8').catch(ifMissing('')));
    if (current?.token === this.#holder.token) {
      await unlink(this.#file).catch(ifMissing(undefined));
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

async function isStale(holder: LockHolder | undefined, file: string): Promise<boolean> {
  if (!holder) return true; // a lock is written before it is linked into place: never partial
  if (holder.pid === process.pid) {
    if (held.has(holder.token)) {
      throw new WalUnavailableError(
        `${path.dirname(file)} is already open in this process: close it before opening it again`,
      );
    }
    return true;
  }
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

function parseHolder(content: string): LockHolder | undefined {
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
