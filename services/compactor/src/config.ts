/** Compactor settings, from the environment. */
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
}

export function loadCompactorConfig(env: NodeJS.ProcessEnv = process.env): CompactorConfig {
  const listen = env.HUEDB_COMPACTOR_LISTEN ?? '127.0.0.1:50071';
  return {
    listen,
    memberId: env.HUEDB_MEMBER_ID ?? `compactor-${listen}`,
    catalogAddress: env.HUEDB_CATALOG_ADDR ?? '127.0.0.1:50051',
    logAddresses: (env.HUEDB_LOG_ADDR ?? '127.0.0.1:50052')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    minRecords: Number(env.HUEDB_COMPACTION_MIN_RECORDS ?? 5_000),
    maxAgeMs: Number(env.HUEDB_COMPACTION_MAX_AGE_MS ?? 30_000),
    pollIntervalMs: Number(env.HUEDB_COMPACTION_POLL_MS ?? 1_000),
    gcGraceMs: Number(env.HUEDB_SEGMENT_GC_GRACE_MS ?? 10 * 60_000),
    workDir: env.HUEDB_COMPACTOR_DIR ?? '/tmp/huedb-compactor',
    memberMaxAgeMs: Number(env.HUEDB_MEMBER_MAX_AGE_MS ?? 10_000),
    heartbeatIntervalMs: Number(env.HUEDB_HEARTBEAT_INTERVAL_MS ?? 2_000),
    enabled: (env.HUEDB_COMPACTION ?? 'on') !== 'off',
  };
}
