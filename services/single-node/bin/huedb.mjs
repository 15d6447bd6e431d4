#!/usr/bin/env node
/* global console, process, URL */
// The `huedb` command: the compiled CLI (dist/, made by `make build` / `pnpm build`). Production
// runs compiled JavaScript on plain Node; TypeScript source runs only under vitest and tsx.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('huedb: not built yet (no dist/cli.js); run `make build` in the HueDB checkout');
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(cli.href);
