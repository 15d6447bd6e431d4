import { compactorSettings } from '@huedb/compactor';
import { gatewaySettings } from '@huedb/gateway';
import {
  asSources,
  boolean,
  integer,
  loadSettings,
  observabilitySettings,
  text,
  type SettingsOf,
  type SettingsSources,
} from '@huedb/service';

/**
 * Single-node's settings: where it serves and keeps data, plus the gateway's and the compactor's
 * settings that mean something in one process (the rest name other processes' addresses).
 */
export const singleNodeSettings = {
  ...observabilitySettings,
  path: {
    env: 'HUEDB_DATA',
    flag: 'path',
    schema: text(),
    type: 'path',
    default: './data',
    description: "Single-node's data directory (created if missing).",
  },
  host: {
    env: 'HUEDB_HOST',
    flag: 'host',
    schema: text(),
    type: 'host',
    default: '127.0.0.1',
    description: 'The address single-node serves the Chroma API on.',
  },
  port: {
    env: 'HUEDB_PORT',
    flag: 'port',
    schema: integer(0, 65535),
    type: 'port (0 = any free port)',
    default: '8000',
    description: 'The port single-node serves the Chroma API on.',
  },
  allowReset: { ...gatewaySettings.allowReset, flag: 'allow-reset', schema: boolean() },
  // Off by default, as `chroma run` (a laptop needs no key); the cluster's gateway defaults on.
  auth: { ...gatewaySettings.auth, flag: 'auth', schema: boolean(), default: 'false' },
  adminToken: gatewaySettings.adminToken,
  rpcTimeoutMs: gatewaySettings.rpcTimeoutMs,
  collectionCacheMs: gatewaySettings.collectionCacheMs,
  minRecords: compactorSettings.minRecords,
  maxAgeMs: compactorSettings.maxAgeMs,
  pollIntervalMs: compactorSettings.pollIntervalMs,
  gcGraceMs: compactorSettings.gcGraceMs,
  compaction: compactorSettings.compaction,
  debug: {
    env: 'HUEDB_DEBUG',
    flag: 'debug',
    schema: boolean(),
    type: 'boolean',
    default: 'false',
    description:
      '`huedb run`: a startup failure prints the whole error with its stack trace, not just one line and a hint.',
  },
} as const;

/** Single-node's validated configuration. */
export type SingleNodeConfig = SettingsOf<typeof singleNodeSettings>;

/** Reads the config (flags `--path --host --port --allow-reset --auth`, env, file); throws naming the variable. */
export function loadSingleNodeConfig(
  sources: NodeJS.ProcessEnv | SettingsSources = process.env,
): SingleNodeConfig {
  return loadSettings(singleNodeSettings, asSources(sources));
}
