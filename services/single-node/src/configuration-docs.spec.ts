import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationDocs } from './configuration-docs.js';

const DOC = path.join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  it('is what the settings schemas generate (run `make config-docs` when this fails)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(configurationDocs());
  });

  it('documents every HUEDB_ variable the services read', () => {
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
