#!/usr/bin/env node
/* global console, process */
// The npm package's `huedb` command: the single node's compiled CLI, bundled into dist/huedb.js
// (deploy/npm/pack.ts). npm only warns about `engines`; on an older Node the first failure would
// be an obscure error deep in a dependency, so the version is checked before anything loads.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`huedb: needs Node.js 24 or later; this is ${process.version}`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import('../dist/huedb.js');
