import {
  asSources,
  boolean,
  hostPort,
  integer,
  loadSettings,
  mailSettings,
  grpcTlsSettings,
  observabilitySettings,
  text,
  type SettingsOf,
  type SettingsSources,
} from '@huedb/service';

/** The catalog's settings (docs/configuration.md is generated from this). */
export const catalogSettings = {
  ...observabilitySettings,
  // The control plane mails verification, reset and invite links (IssueEmailToken).
  ...mailSettings,
  ...grpcTlsSettings,
  postgresUrl: {
    env: 'HUEDB_POSTGRES_URL',
    schema: text(),
    type: 'URL',
    required: true,
    description: "The catalog's Postgres database (postgres://user:pw@host/db).",
  },
  listen: {
    env: 'HUEDB_CATALOG_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:50051',
    description: "Where the catalog's gRPC server binds.",
  },
  allowReset: {
    env: 'HUEDB_ALLOW_RESET',
    schema: boolean(),
    type: 'boolean',
    default: 'false',
    description: 'Whether Reset (POST /api/v2/reset) may wipe everything (tests only).',
  },
  poolMax: {
    env: 'HUEDB_POSTGRES_POOL_MAX',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '10',
    description: 'Connections in the Postgres pool.',
  },
} as const;

/** The catalog's validated configuration. */
export type CatalogConfig = SettingsOf<typeof catalogSettings>;

/** Reads the config (an env object alone, as tests pass it, or flags/env/file); throws naming the variable. */
export function loadConfig(
  sources: NodeJS.ProcessEnv | SettingsSources = process.env,
): CatalogConfig {
  return loadSettings(catalogSettings, asSources(sources));
}
