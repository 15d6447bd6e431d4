import { LIMIT_PROFILES, type LimitProfile } from '@huedb/core';

/** Gateway settings, from the environment. */
export interface GatewayConfig {
  /** Where HTTP listens. */
  host: string;
  port: number;
  /** The catalog's gRPC address ("host:port"). */
  catalogAddress: string;
  /** The log service's gRPC addresses; a collection's calls go to one by rendezvous hashing. */
  logAddresses: string[];
  /** POST /api/v2/reset wipes everything: only when explicitly enabled (tests). */
  allowReset: boolean;
  /** A query node is live while its last heartbeat is younger than this. */
  memberMaxAgeMs: number;
  /** Per-call deadline of internal RPCs. */
  rpcTimeoutMs: number;
  /** How long record operations reuse a collection's catalog row (0 = ask every time). */
  collectionCacheMs: number;
  /**
   * Which plan limits to enforce (HUEDB_LIMITS): `hosted` (hosted Chroma's: 32 metadata keys,
   * 8 where predicates, 300 results, ...; the cluster's default, as a hosted service must bound
   * what one request can cost) or `unlimited` (what `chroma run` enforces; single-node's).
   */
  limits: LimitProfile;
}

/** Reads HUEDB_* variables; throws naming the first one that is malformed. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const [host, port] = splitHostPort(
    env.HUEDB_GATEWAY_LISTEN ?? '127.0.0.1:8000',
    'HUEDB_GATEWAY_LISTEN',
  );
  return {
    host,
    port,
    catalogAddress: env.HUEDB_CATALOG_ADDR ?? '127.0.0.1:50051',
    logAddresses: (env.HUEDB_LOG_ADDR ?? '127.0.0.1:50052')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    allowReset: parseBool(env.HUEDB_ALLOW_RESET ?? 'false', 'HUEDB_ALLOW_RESET'),
    memberMaxAgeMs: Number(env.HUEDB_MEMBER_MAX_AGE_MS ?? 10_000),
    rpcTimeoutMs: Number(env.HUEDB_RPC_TIMEOUT_MS ?? 30_000),
    collectionCacheMs: Number(env.HUEDB_COLLECTION_CACHE_MS ?? 1_000),
    limits: parseLimitProfile(env.HUEDB_LIMITS ?? 'hosted', 'HUEDB_LIMITS'),
  };
}

export function splitHostPort(value: string, name: string): [string, number] {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name}=${value}: expected host:port`);
  }
  return [value.slice(0, i), port];
}

/** A limit profile's name, checked; throws naming the variable. */
export function parseLimitProfile(value: string, name: string): LimitProfile {
  if (Object.hasOwn(LIMIT_PROFILES, value)) return value as LimitProfile;
  throw new Error(`${name}=${value}: expected one of ${Object.keys(LIMIT_PROFILES).join(', ')}`);
}

function parseBool(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`${name}=${value}: expected true or false`);
}
