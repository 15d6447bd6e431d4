/**
 * Writes (`--write`) or checks (default) docs/configuration.md against the services' settings
 * schemas. Run: node --conditions=@huedb/source --import tsx services/single-node/src/config-docs.ts [--write]
 * (`make config-docs` writes it; `make check` checks it).
 */
import path from 'node:path';
import { writeOrCheckGenerated } from '@huedb/service';
import { configurationDocs } from './configuration-docs.js';

writeOrCheckGenerated(
  path.join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md'),
  configurationDocs(),
  'docs/configuration.md is stale: run `make config-docs` and commit it',
);
