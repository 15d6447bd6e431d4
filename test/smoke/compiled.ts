import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DirectoryLock } from '@huedb/dir-lock';

/** The repository's root, and the shipped `huedb` command (bin/huedb.mjs → dist/cli.js). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const HUEDB = path.join(ROOT, 'services', 'single-node', 'bin', 'huedb.mjs');

/** Held while one suite builds (its pid inside, so a killed run's lock is taken over). */
const LOCK_DIR = path.join(ROOT, '.data');

class BuildLockBusy extends Error {}

/**
 * `tsc -b tsconfig.build.json`: incremental (seconds when warm, ~half a minute cold). Suites that
 * run the compiled code build first; one at a time, because two tsc -b writing the same dist/
 * files at once could let a process read one half-written.
 */
export async function buildCompiled(): Promise<void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  let lock: DirectoryLock | undefined;
  while (!lock) {
    try {
      lock = await DirectoryLock.acquire(LOCK_DIR, {
        fileName: 'tsc-build.lock',
        refused: () => new BuildLockBusy(),
      });
    } catch (err) {
      if (!(err instanceof BuildLockBusy)) throw err;
      if (Date.now() > deadline) throw new Error('another suite has been building for 5 min');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
      { cwd: ROOT },
    );
  } finally {
    await lock.release();
  }
}

/** Polls `probe` (a rejection counts as "not yet") until it gives a value; fails after 60 s. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
