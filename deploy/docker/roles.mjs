/* global process */
// What the image runs for each role, and how its health is probed. Shared by entrypoint.mjs (which
// applies the defaults and starts the role) and healthcheck.mjs (which finds the role and applies
// the same defaults, so both agree on where the role listens).
import { hostname } from 'node:os';

/** Where `pnpm deploy` put @huedb/single-node and, in its node_modules, every service. */
export const APP = '/app';

/** The huedb command (`run` = single-node; also --version, --help and its other commands). */
export const CLI_PATH = `${APP}/bin/huedb.mjs`;

/**
 * Where the gRPC roles serve /ready and /metrics unless HUEDB_METRICS_LISTEN says otherwise: their
 * API is gRPC, and the HEALTHCHECK (like a Kubernetes probe) asks /ready over HTTP.
 */
const METRICS_LISTEN = '0.0.0.0:9090';

/**
 * The cluster's services. `env`: defaults applied when the variable is unset or empty (the image's
 * ENV already binds every listen address to 0.0.0.0); `health`: the setting whose address is probed
 * and the path asked there.
 */
export const SERVICES = {
  gateway: {
    main: 'gateway',
    env: () => ({}),
    health: { env: 'HUEDB_GATEWAY_LISTEN', flag: 'gateway-listen', path: '/api/v2/heartbeat' },
  },
  catalog: {
    main: 'catalog',
    env: () => ({ HUEDB_METRICS_LISTEN: METRICS_LISTEN }),
    health: ready(),
  },
  log: { main: 'log', env: () => ({ HUEDB_METRICS_LISTEN: METRICS_LISTEN }), health: ready() },
  // A query node announces its listen address to the catalog, so 0.0.0.0 would not do: the
  // container's host name (its id, or the name compose gives it) resolves on its network.
  query: {
    main: 'query',
    env: () => ({
      HUEDB_METRICS_LISTEN: METRICS_LISTEN,
      HUEDB_QUERY_LISTEN: `${hostname()}:50053`,
    }),
    health: ready(),
  },
  compactor: {
    main: 'compactor',
    env: () => ({ HUEDB_METRICS_LISTEN: METRICS_LISTEN }),
    health: ready(),
  },
};

/** Single-node (`huedb run`): its API port's heartbeat. */
export const RUN_HEALTH = {
  env: 'HUEDB_PORT',
  flag: 'port',
  path: '/api/v2/heartbeat',
  port: '8000',
};

function ready() {
  return { env: 'HUEDB_METRICS_LISTEN', flag: 'metrics-listen', path: '/ready' };
}

/** The entry module of a service role. */
export function serviceMain(role) {
  return `${APP}/node_modules/@huedb/${SERVICES[role].main}/dist/main.js`;
}

/** Sets each default whose variable is unset or empty (an empty variable counts as unset). */
export function applyDefaults(env, defaults) {
  for (const [name, value] of Object.entries(defaults)) {
    if (!env[name]) env[name] = value;
  }
}

/**
 * The value of `--flag value` / `--flag=value` in args (the last one wins, as in the settings
 * kit), else the variable, else undefined. A --config file is not read: set the probed setting by
 * flag or variable.
 */
export function settingOf(args, env, { flag, env: variable }) {
  let value;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${flag}`) value = args[i + 1];
    else if (args[i].startsWith(`--${flag}=`)) value = args[i].slice(flag.length + 3);
  }
  return value ?? (env[variable] || undefined);
}

/**
 * The URL the healthcheck asks for `args` (the container's command: a role and its arguments).
 * A wildcard bind address is probed on loopback.
 */
export function healthUrl(args, env = process.env) {
  const [role, ...rest] = args;
  if (role && Object.hasOwn(SERVICES, role)) {
    const service = SERVICES[role];
    const merged = { ...env };
    applyDefaults(merged, service.env());
    const listen = settingOf(rest, merged, service.health);
    if (!listen) return undefined;
    const i = listen.lastIndexOf(':');
    let host = listen.slice(0, i);
    if (host === '' || host === '0.0.0.0' || host === '::' || host === '[::]') host = '127.0.0.1';
    return `http://${host}:${listen.slice(i + 1)}${service.health.path}`;
  }
  // `huedb run` (the default) serves on HUEDB_HOST:HUEDB_PORT; loopback reaches it in the container.
  const port = settingOf(rest, env, RUN_HEALTH) ?? RUN_HEALTH.port;
  return `http://127.0.0.1:${port}${RUN_HEALTH.path}`;
}
