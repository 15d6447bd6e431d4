import {
  asSources,
  backendSettings,
  integer,
  loadSettings,
  memberMaxAgeSetting,
  membershipSettings,
  objectStoreSettings,
  grpcTlsSettings,
  observabilitySettings,
  rpcSettings,
  oneOf,
  hostPort,
  text,
  type SettingsSources,
} from '@huedb/service';

/** The compactor's settings (docs/configuration.md is generated from this). */
export const compactorSettings = {
  ...observabilitySettings,
  ...backendSettings,
  ...membershipSettings,
  ...memberMaxAgeSetting,
  ...objectStoreSettings,
  ...rpcSettings,
  ...grpcTlsSettings,
  listen: {
    env: 'HUEDB_COMPACTOR_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:50071',
    description: "Where the compactor's gRPC API (Compact on demand) listens.",
  },
  minRecords: {
    env: 'HUEDB_COMPACTION_MIN_RECORDS',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '5000',
    description: 'Compact a collection once it has this many uncompacted records…',
  },
  maxAgeMs: {
    env: 'HUEDB_COMPACTION_MAX_AGE_MS',
    schema: integer(0),
    type: 'integer ≥ 0 (ms)',
    default: '30000',
    description: '…or once its oldest uncompacted batch is this old.',
  },
  pollIntervalMs: {
    env: 'HUEDB_COMPACTION_POLL_MS',
    schema: integer(1),
    type: 'integer ≥ 1 (ms)',
    default: '1000',
    description: 'How often the compactor looks for work.',
  },
  gcGraceMs: {
    env: 'HUEDB_SEGMENT_GC_GRACE_MS',
    schema: integer(0),
    type: 'integer ≥ 0 (ms)',
    default: String(10 * 60_000),
    description: 'A superseded segment version is deleted this long after it was superseded.',
  },
  workDir: {
    env: 'HUEDB_COMPACTOR_DIR',
    schema: text(),
    type: 'path',
    default: '/tmp/huedb-compactor',
    description: 'Local scratch space for building segments.',
  },
  compaction: {
    env: 'HUEDB_COMPACTION',
    schema: oneOf(['on', 'off']),
    type: 'on | off',
    default: 'on',
    description: 'off: compact only on demand (the Compact RPC), never by thresholds.',
  },
} as const;

/** Compactor settings. */
export interface CompactorConfig {
  /** Where the CompactorService gRPC API listens ("host:port"). */
  listen: string;
  memberId: string;
  catalogAddress: string;
  logAddresses: string[];
  /** Compact a collection once it has this many uncompacted records... */
  minRecords: number;
  /** ...or once its oldest uncompacted batch is this old (ms). */
  maxAgeMs: number;
  /** How often to look for work (ms). */
  pollIntervalMs: number;
  /** A superseded segment version is deleted this long after it was superseded (ms). */
  gcGraceMs: number;
  /** Local scratch space for building segments. */
  workDir: string;
  /** A compactor is live while its heartbeat is younger than this (ms). */
  memberMaxAgeMs: number;
  heartbeatIntervalMs: number;
  /** Set to false to run the compactor only on demand (Compact RPC). */
  enabled: boolean;
  logLevel: string;
  logPretty?: boolean | undefined;
  metricsListen?: string | undefined;
}

/** The compactor's configuration plus the object store settings it was read with. */
export type CompactorProcessConfig = CompactorConfig &
  Pick<
    ReturnType<typeof loadRaw>,
    keyof typeof objectStoreSettings | keyof typeof rpcSettings | keyof typeof grpcTlsSettings
  >;

function loadRaw(sources: SettingsSources) {
  return loadSettings(compactorSettings, sources);
}

/** Reads the config (a bare env or flags/env/file); throws naming the variable. */
export function loadCompactorConfig(
  sources: NodeJS.ProcessEnv | SettingsSources = process.env,
): CompactorProcessConfig {
  const { compaction, ...config } = loadRaw(asSources(sources));
  return {
    ...config,
    memberId: config.memberId ?? `compactor-${config.listen}`,
    enabled: compaction !== 'off',
  };
}
