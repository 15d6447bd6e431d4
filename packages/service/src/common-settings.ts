import {
  boolean,
  ConfigError,
  hostPort,
  hostPortList,
  integer,
  oneOf,
  text,
  type Setting,
  type SettingSchema,
} from './settings.js';
import { z } from 'zod';

// Parsers typed as SettingSchema, so declaration files name it instead of zod's own classes.
const httpUrl: SettingSchema<string> = z.url({ protocol: /^https?$/ });
const smtpUrl: SettingSchema<string> = z
  .string()
  .regex(/^smtps?:\/\/[^/]+/, 'expected smtp://[user:password@]host[:port] or smtps://…');

/** Log verbosity names, as pino spells them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** How every service logs and exposes metrics. */
export const observabilitySettings = {
  logLevel: {
    env: 'HUEDB_LOG_LEVEL',
    schema: oneOf(LOG_LEVELS),
    type: LOG_LEVELS.join(' | '),
    default: 'info',
    description: 'The least severe log level written (JSON lines on stdout).',
  },
  logPretty: {
    env: 'HUEDB_LOG_PRETTY',
    schema: boolean(),
    type: 'boolean',
    description:
      'Human-readable, coloured logs instead of JSON lines. Default: only when stdout is a terminal.',
  },
  metricsListen: {
    env: 'HUEDB_METRICS_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    description:
      'Where a service serves Prometheus /metrics (and /ready) on an HTTP listener of its own. Unset: none. The gateway and single-node always serve /metrics on their API port.',
  },
  otlpEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    flag: 'otel-exporter-otlp-endpoint',
    schema: httpUrl,
    type: 'URL',
    description:
      "OpenTelemetry's standard variable: export traces over OTLP/HTTP to `<URL>/v1/traces` (e.g. a collector's `http://otel-collector:4318`). Unset: no tracing at all (no spans are recorded, no trace headers are sent).",
  },
  otelServiceName: {
    env: 'OTEL_SERVICE_NAME',
    flag: 'otel-service-name',
    schema: text(),
    type: 'text',
    description:
      "OpenTelemetry's standard variable: the `service.name` of this process's spans. Default: the service's name (gateway, log, query, compactor, catalog, single-node).",
  },
} satisfies Record<string, Setting<unknown>>;

/** TLS on the gRPC links a service serves and calls (docs/decisions/0017-grpc-tls.md). */
export const grpcTlsSettings = {
  grpcTlsCert: {
    env: 'HUEDB_GRPC_TLS_CERT',
    schema: text(),
    type: 'path (PEM)',
    description:
      "This service's TLS certificate (chain) for gRPC: served by its gRPC server, presented to the services it calls when they ask. Set with the key to turn TLS on for every gRPC link of the service. Unset: plaintext.",
  },
  grpcTlsKey: {
    env: 'HUEDB_GRPC_TLS_KEY',
    schema: text(),
    type: 'path (PEM)',
    description: 'The private key of HUEDB_GRPC_TLS_CERT (required with it).',
  },
  grpcTlsCa: {
    env: 'HUEDB_GRPC_TLS_CA',
    schema: text(),
    type: 'path (PEM)',
    description:
      "The CA that signs the cluster's gRPC certificates: what clients check servers against (and servers check clients, with HUEDB_GRPC_TLS_CLIENT_AUTH). Default: the system's roots.",
  },
  grpcTlsClientAuth: {
    env: 'HUEDB_GRPC_TLS_CLIENT_AUTH',
    schema: boolean(),
    type: 'boolean',
    default: 'false',
    description:
      'Mutual TLS: gRPC servers refuse callers without a certificate signed by HUEDB_GRPC_TLS_CA.',
  },
  grpcTlsServerName: {
    env: 'HUEDB_GRPC_TLS_SERVER_NAME',
    schema: text(),
    type: 'host name',
    description:
      "The name clients check servers' certificates against, instead of the host of each address (one certificate name for the whole cluster). Default: the address's host.",
  },
} satisfies Record<string, Setting<unknown>>;

/** Deadlines and retries of the gRPC calls a service makes (docs/decisions/0016-request-scope.md). */
export const rpcSettings = {
  rpcTimeoutMs: {
    env: 'HUEDB_RPC_TIMEOUT_MS',
    schema: integer(1),
    type: 'integer ≥ 1 (ms)',
    default: '30000',
    description:
      "Per-call deadline of internal RPCs. A call made while serving another ends by that call's deadline too, whichever is first.",
  },
  rpcRetries: {
    env: 'HUEDB_RPC_RETRIES',
    schema: integer(0, 10),
    type: 'integer 0–10',
    default: '2',
    description:
      'Retries of an internal read (RPCs marked NO_SIDE_EFFECTS) that got UNAVAILABLE, with jittered exponential backoff within its deadline. Writes are never retried.',
  },
} satisfies Record<string, Setting<unknown>>;

/** What {@link grpcTlsSettings} produce. */
export interface GrpcTlsConfig {
  grpcTlsCert?: string | undefined;
  grpcTlsKey?: string | undefined;
  grpcTlsCa?: string | undefined;
  grpcTlsClientAuth?: boolean | undefined;
  grpcTlsServerName?: string | undefined;
}

/** The TLS options of @huedb/grpc's `listen` and `createClient`, structurally. */
export interface GrpcTls {
  certFile: string;
  keyFile: string;
  caFile?: string | undefined;
  requireClientCert?: boolean | undefined;
  serverName?: string | undefined;
}

/**
 * The TLS of a service's gRPC links from its settings; undefined (plaintext) without a
 * certificate. Throws ConfigError when only half of a pair is set.
 */
export function grpcTlsOf(config: GrpcTlsConfig): GrpcTls | undefined {
  const { grpcTlsCert: certFile, grpcTlsKey: keyFile } = config;
  if (!certFile && !keyFile) {
    if (config.grpcTlsClientAuth) {
      throw new ConfigError('HUEDB_GRPC_TLS_CLIENT_AUTH needs HUEDB_GRPC_TLS_CERT and _KEY');
    }
    return undefined;
  }
  if (!certFile || !keyFile) {
    throw new ConfigError('HUEDB_GRPC_TLS_CERT and HUEDB_GRPC_TLS_KEY are set together');
  }
  if (config.grpcTlsClientAuth && !config.grpcTlsCa) {
    throw new ConfigError('HUEDB_GRPC_TLS_CLIENT_AUTH needs HUEDB_GRPC_TLS_CA to check clients');
  }
  return {
    certFile,
    keyFile,
    caFile: config.grpcTlsCa,
    requireClientCert: config.grpcTlsClientAuth ?? false,
    serverName: config.grpcTlsServerName,
  };
}

/** What {@link rpcSettings} (and TLS) produce. */
export interface RpcConfig extends GrpcTlsConfig {
  rpcTimeoutMs: number;
  rpcRetries: number;
}

/** The options of @huedb/grpc's `createClient` from a service's settings. */
export function grpcClientOptionsOf(config: RpcConfig): {
  timeoutMs: number;
  retries: number;
  tls: GrpcTls | undefined;
} {
  return { timeoutMs: config.rpcTimeoutMs, retries: config.rpcRetries, tls: grpcTlsOf(config) };
}

/** The gRPC addresses of the catalog and the log, for services that call them. */
export const backendSettings = {
  catalogAddress: {
    env: 'HUEDB_CATALOG_ADDR',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:50051',
    description: "The catalog's gRPC address.",
  },
  logAddresses: {
    env: 'HUEDB_LOG_ADDR',
    schema: hostPortList(),
    type: 'host:port[,host:port...]',
    default: '127.0.0.1:50052',
    description:
      "The log service's gRPC addresses; a collection's calls go to one by rendezvous hashing.",
  },
} satisfies Record<string, Setting<unknown>>;

/** Membership: how a service announces itself to the catalog and how long an announcement lasts. */
export const membershipSettings = {
  memberId: {
    env: 'HUEDB_MEMBER_ID',
    schema: text(),
    type: 'text',
    description: 'A stable member id (e.g. the pod name). Default: `<role>-<listen address>`.',
  },
  heartbeatIntervalMs: {
    env: 'HUEDB_HEARTBEAT_INTERVAL_MS',
    schema: integer(1),
    type: 'integer ≥ 1 (ms)',
    default: '2000',
    description: 'How often the member renews its heartbeat in the catalog.',
  },
} satisfies Record<string, Setting<unknown>>;

/** A member is live while its heartbeat is younger than this (read by those who route to members). */
export const memberMaxAgeSetting = {
  memberMaxAgeMs: {
    env: 'HUEDB_MEMBER_MAX_AGE_MS',
    schema: integer(1),
    type: 'integer ≥ 1 (ms)',
    default: '10000',
    description: 'A member is live while its last heartbeat is younger than this.',
  },
} satisfies Record<string, Setting<unknown>>;

/** The object store segments live in: a directory, or an S3 bucket. */
export const objectStoreSettings = {
  objectStoreDir: {
    env: 'HUEDB_OBJECT_STORE_DIR',
    schema: text(),
    type: 'path',
    description: 'Keep segments in this directory instead of S3 (takes precedence over S3).',
  },
  s3Bucket: {
    env: 'HUEDB_S3_BUCKET',
    schema: text(),
    type: 'text',
    description: 'The S3 bucket segments are written to.',
  },
  s3Endpoint: {
    env: 'HUEDB_S3_ENDPOINT',
    schema: text(),
    type: 'URL',
    description:
      "An S3-compatible endpoint (e.g. MinIO); path-style addressing when set. Default: AWS's.",
  },
  s3Region: {
    env: 'HUEDB_S3_REGION',
    schema: text(),
    type: 'text',
    default: 'us-east-1',
    description: "The bucket's region.",
  },
  s3AccessKeyId: {
    env: 'HUEDB_S3_ACCESS_KEY_ID',
    schema: text(),
    type: 'text',
    description: "S3 access key id. Default: AWS's default credential chain.",
  },
  s3SecretAccessKey: {
    env: 'HUEDB_S3_SECRET_ACCESS_KEY',
    schema: text(),
    type: 'text (secret)',
    description: "S3 secret access key. Default: AWS's default credential chain.",
  },
  s3Prefix: {
    env: 'HUEDB_S3_PREFIX',
    schema: text(),
    type: 'text',
    description: "A prefix for every object key (e.g. `tenant-a/`). Default: ''.",
  },
} satisfies Record<string, Setting<unknown>>;

/** Outgoing mail (verification, password reset, invites): see mailer.ts. */
export const mailSettings = {
  smtpUrl: {
    env: 'HUEDB_SMTP_URL',
    schema: smtpUrl,
    type: 'URL (secret)',
    description:
      'The SMTP server mail goes out through: `smtp://user:pw@host:587` (STARTTLS when the server offers it) or `smtps://…:465` (TLS). Unset: no mail is sent, so email verification, password reset and invites are unavailable.',
  },
  mailFrom: {
    env: 'HUEDB_MAIL_FROM',
    schema: text(),
    type: 'address',
    default: 'HueDB <no-reply@localhost>',
    description: 'The From of every mail HueDB sends.',
  },
} satisfies Record<string, Setting<unknown>>;
