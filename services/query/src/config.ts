import {
  asSources,
  backendSettings,
  hostPort,
  integer,
  loadSettings,
  membershipSettings,
  objectStoreSettings,
  grpcTlsSettings,
  observabilitySettings,
  rpcSettings,
  text,
  type SettingsOf,
  type SettingsSources,
} from '@huedb/service';

/** The query node's settings (docs/configuration.md is generated from this). */
export const querySettings = {
  ...observabilitySettings,
  ...backendSettings,
  ...membershipSettings,
  ...objectStoreSettings,
  ...rpcSettings,
  ...grpcTlsSettings,
  listen: {
    env: 'HUEDB_QUERY_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:50053',
    description:
      "Where the query node's gRPC server binds; also the address announced to the catalog.",
  },
  cacheBytes: {
    env: 'HUEDB_QUERY_CACHE_BYTES',
    schema: integer(1),
    type: 'integer ≥ 1 (bytes)',
    default: String(512 * 1024 * 1024),
    description: 'Memory budget of materialized tails.',
  },
  segmentCacheDir: {
    env: 'HUEDB_SEGMENT_CACHE_DIR',
    schema: text(),
    type: 'path',
    description:
      'Where downloaded segment versions are kept on local disk. Default: `/tmp/huedb-query-<listen>`.',
  },
  segmentCacheBytes: {
    env: 'HUEDB_SEGMENT_CACHE_BYTES',
    schema: integer(1),
    type: 'integer ≥ 1 (bytes)',
    default: String(2 * 1024 * 1024 * 1024),
    description: 'Memory budget of open segments.',
  },
} as const;

/** Query node settings, with the derived defaults filled in. */
export type QueryConfig = SettingsOf<typeof querySettings> & {
  memberId: string;
  segmentCacheDir: string;
};

/** Reads the config (a bare env or flags/env/file); throws naming the variable. */
export function loadQueryConfig(
  sources: NodeJS.ProcessEnv | SettingsSources = process.env,
): QueryConfig {
  const config = loadSettings(querySettings, asSources(sources));
  return {
    ...config,
    memberId: config.memberId ?? `query-${config.listen}`,
    segmentCacheDir:
      config.segmentCacheDir ?? `/tmp/huedb-query-${config.listen.replace(/[^\w]/g, '_')}`,
  };
}
