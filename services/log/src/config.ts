import {
  asSources,
  ConfigError,
  hostPort,
  hostPortList,
  integer,
  loadSettings,
  grpcTlsSettings,
  observabilitySettings,
  type SettingsOf,
  type SettingsSources,
} from '@huedb/service';
import { z } from 'zod';

/** The log service's settings (docs/configuration.md is generated from this). */
export const logSettings = {
  ...observabilitySettings,
  ...grpcTlsSettings,
  kafkaBrokers: {
    env: 'HUEDB_KAFKA_BROKERS',
    schema: hostPortList(),
    type: 'host:port[,host:port...]',
    required: true,
    description: 'Kafka bootstrap brokers.',
  },
  listen: {
    env: 'HUEDB_LOG_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:50052',
    description: "Where the log's gRPC server binds.",
  },
  topicPrefix: {
    env: 'HUEDB_WAL_TOPIC_PREFIX',
    schema: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'only letters, digits, ".", "_", "-"'),
    type: 'topic name part',
    default: 'huedb',
    description: 'The WAL topic is `<prefix>.wal`.',
  },
  partitions: {
    env: 'HUEDB_WAL_PARTITIONS',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '8',
    description: 'Partitions of the WAL topic when it is created; never change it afterwards.',
  },
  replicationFactor: {
    env: 'HUEDB_WAL_REPLICATION_FACTOR',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '1',
    description: "The WAL topic's replication factor when it is created (production: 3).",
  },
  minInsyncReplicas: {
    env: 'HUEDB_WAL_MIN_INSYNC_REPLICAS',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '1',
    description: "The WAL topic's min.insync.replicas (production: 2).",
  },
  servedPartitions: {
    env: 'HUEDB_WAL_SERVED_PARTITIONS',
    schema: z
      .string()
      .transform((v) => v.split(',').map((p) => p.trim()))
      .pipe(z.array(z.string().regex(/^\d+$/, 'a partition is not a number').transform(Number))),
    type: 'integer[,integer...]',
    description: 'The partitions this instance serves (e.g. `0,1,5`). Default: all.',
  },
  maxTailRecords: {
    env: 'HUEDB_WAL_MAX_TAIL_RECORDS',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '100000',
    description: 'Uncompacted records per collection before writes get Backoff (429).',
  },
  maxTailBytes: {
    env: 'HUEDB_WAL_MAX_TAIL_BYTES',
    schema: integer(1),
    type: 'integer ≥ 1 (bytes)',
    default: String(256 * 1024 * 1024),
    description: 'Uncompacted bytes per collection before writes get Backoff (429).',
  },
  maxBatchBytes: {
    env: 'HUEDB_WAL_MAX_BATCH_BYTES',
    schema: integer(1),
    type: 'integer ≥ 1 (bytes)',
    default: String(32 * 1024 * 1024),
    description: 'The largest encoded PushLogs batch.',
  },
  appendTimeoutMs: {
    env: 'HUEDB_WAL_APPEND_TIMEOUT_MS',
    schema: integer(1),
    type: 'integer ≥ 1 (ms)',
    default: '15000',
    description: 'Deadline of a PushLogs write to Kafka.',
  },
  pullTimeoutMs: {
    env: 'HUEDB_WAL_PULL_TIMEOUT_MS',
    schema: integer(1),
    type: 'integer ≥ 1 (ms)',
    default: '30000',
    description: 'How long PullLogs waits for the reader to catch up.',
  },
} as const;

/** The log service's validated configuration. */
export type LogConfig = SettingsOf<typeof logSettings>;

/** Reads the config (a bare env or flags/env/file); throws naming the variable. */
export function loadConfig(sources: NodeJS.ProcessEnv | SettingsSources = process.env): LogConfig {
  const config = loadSettings(logSettings, asSources(sources));
  // Checked here, not in the schema: the valid range depends on another setting.
  const bad = config.servedPartitions?.find((p) => p >= config.partitions);
  if (bad !== undefined) {
    throw new ConfigError(
      `HUEDB_WAL_SERVED_PARTITIONS=${config.servedPartitions!.join(',')}: "${bad}" is not a partition in [0, ${config.partitions})`,
    );
  }
  return config;
}
