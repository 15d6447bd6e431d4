import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** The repository's root, and the shipped `huedb` command (bin/huedb.mjs → dist/cli.js). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const HUEDB = path.join(ROOT, 'services', 'single-node', 'bin', 'huedb.mjs');

const LOCK = path.join(ROOT, '.data', 'tsc-build.lock');
/** A lock older than this is a killed run's: no build takes that long. */
const STALE_MS = 10 * 60_000;

/**
 * `tsc -b tsconfig.build.json`: incremental (seconds when warm, ~half a minute cold). Suites that
 * run the compiled code build first; one at a time (a directory as a lock), because two tsc -b
 * writing the same dist/ files at once could let a process read one half-written.
 */
export async function buildCompiled(): Promise<void> {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK}: another build held it for 5 min`);
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
    rmSync(LOCK, { recursive: true, force: true });
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
