import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationDocs } from './configuration-docs.js';

const REPO = path.join(import.meta.dirname, '..', '..', '..');
const DOC = path.join(REPO, 'docs', 'configuration.md');

/** Every HUEDB_* name in the repo's code and scripts (not docs: they may cite retired names). */
function variablesInRepo(): Set<string> {
  const names = new Set<string>();
  const skip = new Set(['node_modules', 'dist', '.data', 'gen', '.git']);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(ts|js|mjs|sh|ya?ml)$|^Makefile$/.test(entry.name)) {
        // Specs use made-up names (HUEDB_X_*) for the loader's own tests.
        if (entry.name.endsWith('.spec.ts')) continue;
        // A name ending in "_" is a prefix (`HUEDB_S3_${key}`), documented by its full names.
        for (const [name] of readFileSync(file, 'utf8').matchAll(/HUEDB_[A-Z0-9_]+/g)) {
          if (!name.endsWith('_')) names.add(name);
        }
      }
    }
  };
  for (const dir of ['services', 'packages', 'deploy', 'test', 'bench', 'scripts', 'helm']) {
    walk(path.join(REPO, dir));
  }
  for (const [name] of readFileSync(path.join(REPO, 'Makefile'), 'utf8').matchAll(
    /HUEDB_[A-Z0-9_]+/g,
  )) {
    names.add(name);
  }
  return names;
}

describe('docs/configuration.md', () => {
  it('is what the settings schemas generate (run `make config-docs` when this fails)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(configurationDocs());
  });

  it('documents every HUEDB_ variable the code and scripts read', () => {
    const doc = configurationDocs();
    const missing = [...variablesInRepo()].filter((name) => !doc.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });

  it('lists the service settings that matter most', () => {
    const doc = configurationDocs();
    for (const name of [
      'HUEDB_POSTGRES_URL',
      'HUEDB_KAFKA_BROKERS',
      'HUEDB_QUERY_CACHE_BYTES',
      'HUEDB_SEGMENT_GC_GRACE_MS',
      'HUEDB_RPC_TIMEOUT_MS',
      'HUEDB_LOG_LEVEL',
      'HUEDB_METRICS_LISTEN',
      'HUEDB_S3_BUCKET',
      'HUEDB_TEST_INFRA_DIR',
    ]) {
      expect(doc).toContain(`| \`${name}\` |`);
    }
  });
});
