#!/usr/bin/env node
/* global process */
// Runs the CLI from TypeScript source with tsx and the workspace's source condition. Signals are
// passed on, so `kill <this pid>` shuts HueDB down gracefully.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
const child = spawn(
  process.execPath,
  [
    '--conditions=@huedb/source',
    '--import',
    tsx,
    path.join(here, '..', 'src', 'cli.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
