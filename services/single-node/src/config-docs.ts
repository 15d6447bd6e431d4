/**
 * Writes (`--write`) or checks (default) docs/configuration.md against the services' settings
 * schemas. Run: node --conditions=@huedb/source --import tsx services/single-node/src/config-docs.ts [--write]
 * (`make config-docs` writes it; `make check` checks it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configurationDocs } from './configuration-docs.js';

const file = path.join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md');
const expected = configurationDocs();
if (process.argv.includes('--write')) {
  writeFileSync(file, expected);
  console.log(`wrote ${file}`);
} else {
  let actual = '';
  try {
    actual = readFileSync(file, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (actual !== expected) {
    console.error('docs/configuration.md is stale: run `make config-docs` and commit it');
    process.exit(1);
  }
}
