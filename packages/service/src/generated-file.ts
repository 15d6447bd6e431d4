import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The command line of a generated, committed file (docs/configuration.md, the OpenAPI document):
 * with `--write` in argv it writes `expected` to `file`; otherwise it checks that the committed
 * file is exactly `expected` and exits 1 with `staleHint` when it is not (how `make check` catches
 * a contract or a setting changed without its generated file).
 */
export function writeOrCheckGenerated(file: string, expected: string, staleHint: string): void {
  if (process.argv.includes('--write')) {
    writeFileSync(file, expected);
    console.log(`wrote ${file}`);
    return;
  }
  let actual = '';
  try {
    actual = readFileSync(file, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (actual !== expected) {
    console.error(staleHint);
    process.exit(1);
  }
}
