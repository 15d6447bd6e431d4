import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a local file all at once as far as any reader can tell: `fill` writes a temp file in
 * `path`'s directory (created if missing), which is fsynced and then renamed over `path`. A crash
 * or an error leaves either the old file or the complete new one at `path`, never a partial one;
 * on error the temp file is removed and the error rethrown.
 */
export async function replaceFileAtomically(
  path: string,
  fill: (tempPath: string) => Promise<void>,
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // Beside the target (a rename must not cross filesystems), hidden, and short enough for NAME_MAX.
  const temp = join(dir, `.${basename(path).slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fill(temp);
    await fsyncPath(temp);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** fsync(2) of a file or directory (a directory's fsync makes its new entries durable). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The errno code of a Node.js system error, if `err` is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight. After the first failure no
 * new call starts; the returned promise settles only when every started call has settled (so the
 * caller can clean up knowing nothing is still running), then rejects with the first error.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
