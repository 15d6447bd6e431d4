/** Query node settings, from the environment. */
export interface QueryConfig {
  /** Where gRPC listens ("host:port"); also the address announced to the catalog. */
  listen: string;
  /** A stable id for membership (e.g. the pod name). */
  memberId: string;
  catalogAddress: string;
  logAddresses: string[];
  /** Memory budget of materialized tails (bytes). */
  cacheBytes: number;
  /** Where downloaded segment versions are kept on local disk. */
  segmentCacheDir: string;
  /** Memory budget of open segments (bytes). */
  segmentCacheBytes: number;
  heartbeatIntervalMs: number;
}

export function loadQueryConfig(env: NodeJS.ProcessEnv = process.env): QueryConfig {
  const listen = env.HUEDB_QUERY_LISTEN ?? '127.0.0.1:50053';
  return {
    listen,
    memberId: env.HUEDB_MEMBER_ID ?? `query-${listen}`,
    catalogAddress: env.HUEDB_CATALOG_ADDR ?? '127.0.0.1:50051',
    logAddresses: (env.HUEDB_LOG_ADDR ?? '127.0.0.1:50052')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    cacheBytes: Number(env.HUEDB_QUERY_CACHE_BYTES ?? 512 * 1024 * 1024),
    segmentCacheDir:
      env.HUEDB_SEGMENT_CACHE_DIR ?? `/tmp/huedb-query-${listen.replace(/[^\w]/g, '_')}`,
    segmentCacheBytes: Number(env.HUEDB_SEGMENT_CACHE_BYTES ?? 2 * 1024 * 1024 * 1024),
    heartbeatIntervalMs: Number(env.HUEDB_HEARTBEAT_INTERVAL_MS ?? 2_000),
  };
}
