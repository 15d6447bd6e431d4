import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './options.js';

/** The script that measures it, in the gateway's package (it builds gateway apps in-process). */
const SCRIPT = path.join(REPO_ROOT, 'services/gateway/test/bench/auth-guard.ts');

/** p50/p99 of one series, ms. */
export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

/**
 * What HUEDB_AUTH costs a request with a cached key (decision 0022, target ≤ 0.2 ms p50): the
 * guard alone, and whole requests through the gateway with auth off and on, interleaved in one
 * run. The JSON line services/gateway/test/bench/auth-guard.ts prints with --json.
 */
export interface AuthOverhead {
  requests: number;
  guardAlone: Percentiles;
  authOff: Percentiles;
  authOn: Percentiles;
  /** authOn.p50Ms − authOff.p50Ms. */
  overheadP50Ms: number;
  /** authOn.p50Ms / authOff.p50Ms. */
  ratioP50: number;
}

/** The p50 overhead the issue asks for at most. */
export const AUTH_OVERHEAD_TARGET_MS = 0.2;

/**
 * Runs the measurement in a child process: the bench package does not depend on the gateway,
 * and a fresh process keeps the bench's own heap and timers out of the figures.
 */
export async function measureAuthOverhead(requests: number): Promise<AuthOverhead> {
  const result = await runJsonScript<AuthOverhead>(SCRIPT, requests);
  if (typeof result.overheadP50Ms !== 'number' || typeof result.authOn?.p50Ms !== 'number') {
    throw new Error(`auth-guard.ts printed no result: ${JSON.stringify(result).slice(0, 200)}`);
  }
  return result;
}

/** Runs one of the gateway's bench scripts with `--requests N --json`; its last line, parsed. */
export async function runJsonScript<T>(script: string, requests: number): Promise<T> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=@huedb/source',
      '--import',
      'tsx',
      script,
      '--requests',
      String(requests),
      '--json',
    ],
    { cwd: REPO_ROOT, maxBuffer: 1024 * 1024 },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}
