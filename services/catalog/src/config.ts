/** The catalog's settings, from the environment. */
export interface CatalogConfig {
  /** HUEDB_POSTGRES_URL (required): the catalog's Postgres database. */
  postgresUrl: string;
  /** HUEDB_CATALOG_LISTEN: where the gRPC server binds ("host:port"). Default 127.0.0.1:50051. */
  listen: string;
  /** HUEDB_ALLOW_RESET: whether Reset may wipe the catalog ("true"/"false"). Default false. */
  allowReset: boolean;
  /** HUEDB_POSTGRES_POOL_MAX: connections in the pool. Default 10. */
  poolMax: number;
}

/** Reads the config from `env`; throws naming the variable on a missing or malformed value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const postgresUrl = env.HUEDB_POSTGRES_URL;
  if (!postgresUrl) throw new Error('HUEDB_POSTGRES_URL is required (postgres://user:pw@host/db)');
  const listen = env.HUEDB_CATALOG_LISTEN || '127.0.0.1:50051';
  if (!/^.+:\d+$/.test(listen)) {
    throw new Error(`HUEDB_CATALOG_LISTEN=${listen}: expected host:port`);
  }
  return {
    postgresUrl,
    listen,
    allowReset: parseBoolean('HUEDB_ALLOW_RESET', env.HUEDB_ALLOW_RESET, false),
    poolMax: parsePositiveInt('HUEDB_POSTGRES_POOL_MAX', env.HUEDB_POSTGRES_POOL_MAX, 10),
  };
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`${name}=${value}: expected true or false`);
}

function parsePositiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}=${value}: expected a positive integer`);
  return n;
}
