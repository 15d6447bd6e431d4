/* global process */
// The image's entry point, run by tini (PID 1, which forwards SIGTERM and reaps): `<role> [args]`
// starts a cluster service (gateway, catalog, log, query, compactor) in this process; anything
// else is the huedb command — `run` (the default: single-node), `--version`, `--help`, … .
// The role's module is imported here rather than exec'd, so the service is the process tini
// signals, and its own SIGTERM handler drains it.
import { CLI_PATH, SERVICES, applyDefaults, serviceMain } from './roles.mjs';

const [first = 'run', ...rest] = process.argv.slice(2);
process.setSourceMapsEnabled(true);
if (Object.hasOwn(SERVICES, first)) {
  applyDefaults(process.env, SERVICES[first].env());
  const main = serviceMain(first);
  // The services read their flags from process.argv.slice(2).
  process.argv = [process.argv[0], main, ...rest];
  await import(main);
} else {
  process.argv = [process.argv[0], CLI_PATH, first, ...rest];
  await import(CLI_PATH);
}
