/** The log service's settings, from the environment. */
export interface LogConfig {
  /** HUEDB_KAFKA_BROKERS (required): bootstrap brokers, comma-separated "host:port". */
  kafkaBrokers: string[];
  /** HUEDB_LOG_LISTEN: where the gRPC server binds ("host:port"). Default 127.0.0.1:50052. */
  listen: string;
  /** HUEDB_WAL_TOPIC_PREFIX: the WAL topic is `<prefix>.wal`. Default "huedb". */
  topicPrefix: string;
  /** HUEDB_WAL_PARTITIONS: partitions of the WAL topic; never change it once created. Default 8. */
  partitions: number;
  /** HUEDB_WAL_REPLICATION_FACTOR: used when the topic is created (production: 3). Default 1. */
  replicationFactor: number;
  /** HUEDB_WAL_MIN_INSYNC_REPLICAS: the topic's min.insync.replicas (production: 2). Default 1. */
  minInsyncReplicas: number;
  /** HUEDB_WAL_SERVED_PARTITIONS: the partitions this instance serves ("0,1,5"). Default: all. */
  servedPartitions: number[] | undefined;
  /** HUEDB_WAL_MAX_TAIL_RECORDS: uncompacted records per collection before Backoff. Default 100000. */
  maxTailRecords: number;
  /** HUEDB_WAL_MAX_TAIL_BYTES: uncompacted bytes per collection before Backoff. Default 256 MiB. */
  maxTailBytes: number;
  /** HUEDB_WAL_MAX_BATCH_BYTES: the largest encoded PushLogs batch. Default 32 MiB. */
  maxBatchBytes: number;
  /** HUEDB_WAL_APPEND_TIMEOUT_MS: deadline of a PushLogs write to Kafka. Default 15000. */
  appendTimeoutMs: number;
  /** HUEDB_WAL_PULL_TIMEOUT_MS: how long PullLogs waits for the reader. Default 30000. */
  pullTimeoutMs: number;
}

/** Reads the config from `env`; throws naming the variable on a missing or malformed value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LogConfig {
  const brokers = (env.HUEDB_KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) {
    throw new Error('HUEDB_KAFKA_BROKERS is required (host:port[,host:port...])');
  }
  for (const broker of brokers) {
    if (!/^.+:\d+$/.test(broker))
      throw new Error(`HUEDB_KAFKA_BROKERS: "${broker}" is not host:port`);
  }
  const listen = env.HUEDB_LOG_LISTEN || '127.0.0.1:50052';
  if (!/^.+:\d+$/.test(listen)) throw new Error(`HUEDB_LOG_LISTEN=${listen}: expected host:port`);
  const topicPrefix = env.HUEDB_WAL_TOPIC_PREFIX || 'huedb';
  if (!/^[a-zA-Z0-9._-]+$/.test(topicPrefix)) {
    throw new Error(`HUEDB_WAL_TOPIC_PREFIX=${topicPrefix}: only letters, digits, ".", "_", "-"`);
  }
  const partitions = positiveInt(env, 'HUEDB_WAL_PARTITIONS', 8);
  return {
    kafkaBrokers: brokers,
    listen,
    topicPrefix,
    partitions,
    replicationFactor: positiveInt(env, 'HUEDB_WAL_REPLICATION_FACTOR', 1),
    minInsyncReplicas: positiveInt(env, 'HUEDB_WAL_MIN_INSYNC_REPLICAS', 1),
    servedPartitions: servedPartitions(env.HUEDB_WAL_SERVED_PARTITIONS, partitions),
    maxTailRecords: positiveInt(env, 'HUEDB_WAL_MAX_TAIL_RECORDS', 100_000),
    maxTailBytes: positiveInt(env, 'HUEDB_WAL_MAX_TAIL_BYTES', 256 * 1024 * 1024),
    maxBatchBytes: positiveInt(env, 'HUEDB_WAL_MAX_BATCH_BYTES', 32 * 1024 * 1024),
    appendTimeoutMs: positiveInt(env, 'HUEDB_WAL_APPEND_TIMEOUT_MS', 15_000),
    pullTimeoutMs: positiveInt(env, 'HUEDB_WAL_PULL_TIMEOUT_MS', 30_000),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${name}=${value}: expected a positive integer`);
  return n;
}

function servedPartitions(value: string | undefined, partitions: number): number[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 0 || n >= partitions) {
      throw new Error(
        `HUEDB_WAL_SERVED_PARTITIONS=${value}: "${part}" is not a partition in [0, ${partitions})`,
      );
    }
    return n;
  });
}
