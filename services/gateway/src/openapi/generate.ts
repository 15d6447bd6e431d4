/**
 * Writes (`--write`) or checks (default) services/gateway/openapi.json against the routes'
 * contracts (@ApiRoute, openapi/contract.ts). Run: node --conditions=@huedb/source --import tsx
 * services/gateway/src/openapi/generate.ts [--write] (`make openapi` writes it; `make check`
 * checks it).
 */
import { fileURLToPath } from 'node:url';
import type { Plans } from '../plans/tenant-plans.js';
import { writeOrCheckGenerated } from '@huedb/service';
import type { Backends } from '../backends/backends.js';
import type { GatewayConfig } from '../config.js';
import { GatewayModule } from '../gateway.module.js';
import { openApiDocument } from './openapi.document.js';
import { OPENAPI_FILE } from './openapi.controller.js';

// Only the module's shape (its controllers) is read: nothing is instantiated.
const root = GatewayModule.forRoot({} as Backends, {} as GatewayConfig, {} as Plans);
writeOrCheckGenerated(
  fileURLToPath(OPENAPI_FILE),
  `${JSON.stringify(openApiDocument(root), null, 2)}\n`,
  'services/gateway/openapi.json is stale: run `make openapi` and commit it (routes and their @ApiRoute contracts changed)',
);
