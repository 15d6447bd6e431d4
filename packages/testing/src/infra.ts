/** Where a test finds the S3-compatible object store. */
export interface S3Endpoint {
  /** e.g. http://127.0.0.1:19000 (path-style addressing). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A bucket that exists; tests use unique key prefixes inside it. */
  bucket: string;
}

/** Where a test sends mail and reads it back: a Mailpit SMTP catcher. */
export interface MailCatcher {
  /** SMTP, e.g. smtp://127.0.0.1:19025 (no TLS, any or no credentials accepted). */
  smtpUrl: string;
  /** Mailpit's HTTP API, e.g. http://127.0.0.1:19026 (`/api/v1/messages`, `/api/v1/search`). */
  apiUrl: string;
}

/** Real infrastructure for integration tests. */
export interface TestInfra {
  /** Which provider supplied it (logged once per run). */
  provider: ProviderName;
  /** A superuser-capable connection URL (tests create their own databases). */
  postgresUrl: string;
  /** Kafka bootstrap brokers, "host:port". */
  kafkaBrokers: string[];
  /** The object store. */
  s3: S3Endpoint;
  /** The SMTP catcher. */
  mail: MailCatcher;
}

/** How infrastructure is provided: see {@link chooseProvider}. */
export type ProviderName = 'external' | 'testcontainers' | 'local';

/** The environment variables that describe infrastructure (also printed by deploy/local). */
export const INFRA_ENV = {
  postgresUrl: 'HUEDB_POSTGRES_URL',
  kafkaBrokers: 'HUEDB_KAFKA_BROKERS',
  s3Endpoint: 'HUEDB_S3_ENDPOINT',
  s3Region: 'HUEDB_S3_REGION',
  s3AccessKeyId: 'HUEDB_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'HUEDB_S3_SECRET_ACCESS_KEY',
  s3Bucket: 'HUEDB_S3_BUCKET',
  smtpUrl: 'HUEDB_SMTP_URL',
  mailpitUrl: 'HUEDB_MAILPIT_URL',
} as const;

/**
 * Builds a TestInfra from KEY=VALUE pairs named as in {@link INFRA_ENV}. Throws naming every
 * missing key: a test that needs a component it cannot get must fail, never skip.
 */
export function infraFromVariables(
  provider: ProviderName,
  vars: Record<string, string | undefined>,
): TestInfra {
  const missing = Object.values(INFRA_ENV).filter((key) => !vars[key]);
  if (missing.length > 0) {
    throw new Error(`${provider} infrastructure is missing ${missing.join(', ')}`);
  }
  const get = (key: string): string => vars[key]!;
  return {
    provider,
    postgresUrl: get(INFRA_ENV.postgresUrl),
    kafkaBrokers: get(INFRA_ENV.kafkaBrokers)
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    s3: {
      endpoint: get(INFRA_ENV.s3Endpoint),
      region: get(INFRA_ENV.s3Region),
      accessKeyId: get(INFRA_ENV.s3AccessKeyId),
      secretAccessKey: get(INFRA_ENV.s3SecretAccessKey),
      bucket: get(INFRA_ENV.s3Bucket),
    },
    mail: { smtpUrl: get(INFRA_ENV.smtpUrl), apiUrl: get(INFRA_ENV.mailpitUrl) },
  };
}

/** Parses `KEY=VALUE` lines (as deploy/local prints them); other lines are ignored. */
export function parseKeyValueLines(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) vars[match[1]!] = match[2]!;
  }
  return vars;
}
