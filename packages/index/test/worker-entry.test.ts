/**
 * The build worker is a plain .mjs file because worker threads do not inherit their parent's
 * TypeScript loader. Vitest runs every other test; this one runs a script under
 * `node --import tsx` (how services start from source) in a child process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describe('build worker entry', () => {
  it('works under node --import tsx', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@huedb/source', '--import', 'tsx', 'test/tsx-smoke.ts'],
      { cwd: packageDir, timeout: 60_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      recordCount: number;
      found: unknown[];
      exact: unknown[];
    };
    expect(result.recordCount).toBe(500);
    expect(result.found).toEqual(result.exact);
  });
});
