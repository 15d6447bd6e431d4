/* global AbortSignal, console, fetch, process */
// The image's HEALTHCHECK: asks the running role's health endpoint (single-node and the gateway:
// GET /api/v2/heartbeat on the API port; the gRPC roles: GET /ready on their metrics listener)
// and exits 0 on a 200, 1 otherwise. The role and its arguments are read from PID 1's command line
// (tini -- node …/entrypoint.mjs <role> [args]), since a healthcheck runs as a process of its own.
import { readFileSync } from 'node:fs';
import { healthUrl } from './roles.mjs';

const cmdline = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
const at = cmdline.findIndex((arg) => arg.endsWith('/entrypoint.mjs'));
const url = healthUrl(at === -1 ? [] : cmdline.slice(at + 1));
if (!url) {
  console.error('healthcheck: this role has no health endpoint configured');
  process.exit(1);
}
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_500) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
} catch (err) {
  console.error(`healthcheck: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
