import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { infraFromVariables, parseKeyValueLines, type TestInfra } from '../infra.js';

const run = promisify(execFile);

/** The repository root (this file is packages/testing/src/providers/local.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where the local provider keeps its data unless HUEDB_TEST_INFRA_DIR says otherwise. */
export function localInfraDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HUEDB_TEST_INFRA_DIR ?? path.join(REPO_ROOT, '.data', 'test-infra');
}

/**
 * Real Postgres, Kafka, MinIO and Mailpit as local processes, installed on first use and started by
 * deploy/local/infra.sh (idempotent: a warm run finds them running). They are left running after
 * the tests so the next run is warm; `make infra-down` stops them.
 */
export async function localInfra(env: NodeJS.ProcessEnv = process.env): Promise<TestInfra> {
  const script = path.join(REPO_ROOT, 'deploy', 'local', 'infra.sh');
  try {
    const { stdout } = await run(script, ['up', localInfraDir(env)], {
      env,
      // First use installs Kafka from Maven Central and builds MinIO and Mailpit from source.
      timeout: 60 * 60 * 1000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return infraFromVariables('local', parseKeyValueLines(stdout));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`deploy/local/infra.sh up failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}
