import { boolean, hostPort, hostPortList, integer, oneOf, text, type Setting } from './settings.js';
import { z } from 'zod';

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
} satisfies Record<string, Setting<unknown>>;

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
    schema: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'expected smtp://[user:password@]host[:port] or smtps://…'),
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
