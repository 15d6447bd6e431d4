import {
  asSources,
  backendSettings,
  boolean,
  hostPort,
  integer,
  loadSettings,
  memberMaxAgeSetting,
  grpcTlsSettings,
  observabilitySettings,
  rpcSettings,
  type GrpcTlsConfig,
  text,
  type SettingSchema,
  type SettingsSources,
} from '@huedb/service';
import { z } from 'zod';
import { trustedProxyList } from './http/trusted-proxies.js';

// Typed as SettingSchema, so declaration files name it instead of zod's own classes.
const adminToken: SettingSchema<string> = z.string().min(32, 'shorter than 32 characters');

/** The gateway's settings (docs/configuration.md is generated from this). */
export const gatewaySettings = {
  ...observabilitySettings,
  ...backendSettings,
  ...memberMaxAgeSetting,
  ...rpcSettings,
  ...grpcTlsSettings,
  listen: {
    env: 'HUEDB_GATEWAY_LISTEN',
    schema: hostPort(),
    type: 'host:port',
    default: '127.0.0.1:8000',
    description: "Where the gateway's HTTP API (Chroma API v2, /metrics) listens.",
  },
  allowReset: {
    env: 'HUEDB_ALLOW_RESET',
    schema: boolean(),
    type: 'boolean',
    default: 'false',
    description: 'Whether Reset (POST /api/v2/reset) may wipe everything (tests only).',
  },
  collectionCacheMs: {
    env: 'HUEDB_COLLECTION_CACHE_MS',
    schema: integer(0),
    type: 'integer ≥ 0 (ms)',
    default: '1000',
    description:
      "How long record operations reuse a collection's catalog row (0 = ask every time).",
  },
  auth: {
    env: 'HUEDB_AUTH',
    schema: boolean(),
    type: 'boolean',
    default: 'true',
    description:
      "Whether every route but heartbeat, version and the API docs needs an API key (x-chroma-token or Authorization: Bearer) or the admin token, and is authorized by its tenant, databases and role. On by default in the cluster's gateway (a shared service must not serve anonymous callers), off in single-node, as `chroma run` (decision 0026). A gateway with auth on and no HUEDB_ADMIN_TOKEN starts and warns: only existing API keys and signup work.",
  },
  adminToken: {
    env: 'HUEDB_ADMIN_TOKEN',
    schema: adminToken,
    type: 'text ≥ 32 characters (secret)',
    description:
      'The bootstrap admin credential: with HUEDB_AUTH, a request presenting it is admin on every tenant (creates tenants, resets). Only its SHA-256 is kept in memory.',
  },
  plan: {
    env: 'HUEDB_PLAN',
    schema: text(),
    type: 'plan name',
    default: 'pro',
    description:
      "The plan of tenants the admin API has not given one (PUT /api/v2/admin/tenants/{tenant}/plan): `free` (Chroma Cloud's published quotas), `pro` (the paid plan), `unlimited` (what `chroma run` accepts; single-node's default), or one from HUEDB_PLANS_FILE. docs/decisions/0029-plans-and-quotas.md lists every limit.",
  },
  plansFile: {
    env: 'HUEDB_PLANS_FILE',
    schema: text(),
    type: 'path',
    description:
      'A JSON file of plans: `{"plans": {"<name>": {"extends": "<plan>", "<limit>": <whole number or null>, …}}}`, limits named in snake_case (max_collections_per_tenant, requests_per_second, …), null = no limit. A plan without `extends` starts from the shipped plan of its name, or from `unlimited`. Every gateway of a deployment must be given the same file.',
  },
  signup: {
    env: 'HUEDB_SIGNUP',
    schema: boolean(),
    type: 'boolean',
    default: 'true',
    description:
      'Whether anyone may sign up (POST /api/v2/accounts/signup). Off = invite-only: accounts come from invites and the admin API.',
  },
  emailVerification: {
    env: 'HUEDB_EMAIL_VERIFICATION',
    schema: boolean(),
    type: 'boolean',
    default: 'true',
    description:
      'Whether a signup must verify its address by mail before it gets a tenant and a key. Off (self-hosters without SMTP): signup provisions at once, and says when an address is taken.',
  },
  publicUrl: {
    env: 'HUEDB_PUBLIC_URL',
    schema: text().refine(
      (v) => /^https?:\/\/[^/]+/.test(v),
      'expected http(s)://host[:port][/path]',
    ),
    type: 'URL',
    default: 'http://127.0.0.1:8000',
    description:
      'The base URL users reach HueDB at: the links in verification, reset and invite mails start with it (never taken from the request, whose Host a caller chooses), and an https one makes session cookies Secure.',
  },
  trustedProxies: {
    env: 'HUEDB_TRUSTED_PROXIES',
    schema: trustedProxyList(),
    type: 'address|CIDR|loopback|linklocal|uniquelocal[,...]',
    description:
      "The proxies (load balancers) in front of the gateway whose X-Forwarded-For and X-Forwarded-Proto are believed. The client's address (per-address login limits, the request log) is then the nearest one in X-Forwarded-For that is not in this list, and a trusted hop's `X-Forwarded-Proto: https` makes session cookies Secure. Unset: no header is believed and the client is the socket's peer.",
  },
  trustProxyTls: {
    env: 'HUEDB_TRUST_PROXY_TLS',
    schema: boolean(),
    type: 'boolean',
    default: 'false',
    description:
      'Whether `X-Forwarded-Proto: https` from ANY caller marks a request as TLS (session cookies are then Secure). Older and blunter than HUEDB_TRUSTED_PROXIES, which believes the header only from the listed hops; only when every request comes through a TLS-terminating proxy.',
  },
  loginAttemptsPerAccount: {
    env: 'HUEDB_LOGIN_ATTEMPTS_PER_ACCOUNT',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '10',
    description:
      'Login attempts per account before login answers 429 for it; one more comes back every 15 minutes / this number. Counted by the control plane, so all gateways together allow this many (docs/decisions/0027-shared-rate-limits.md).',
  },
  loginAttemptsPerAddress: {
    env: 'HUEDB_LOGIN_ATTEMPTS_PER_ADDRESS',
    schema: integer(1),
    type: 'integer ≥ 1',
    default: '50',
    description:
      'Login attempts per client address (see HUEDB_TRUSTED_PROXIES) before login answers 429 for it; one more comes back every 15 minutes / this number. A successful login gives its attempt back. Counted by the control plane, across all gateways.',
  },
  usageMetering: {
    env: 'HUEDB_USAGE_METERING',
    schema: boolean(),
    type: 'boolean',
    default: 'true',
    description:
      "Whether this gateway meters tenants' requests, queries and records returned (the /usage routes; docs/decisions/0030-usage-metering.md). Off for a deployment that bills nothing; compactions meter writes and storage either way.",
  },
  usageFlushMs: {
    env: 'HUEDB_USAGE_FLUSH_MS',
    schema: integer(100),
    type: 'integer ≥ 100 (ms)',
    default: '10000',
    description:
      'How often a gateway reports the usage it metered (requests, queries, records returned per tenant) to the control plane. A gateway killed outright loses at most this much of those counts; a stopped one reports first (docs/decisions/0030-usage-metering.md).',
  },
  idempotencyTtlMs: {
    env: 'HUEDB_IDEMPOTENCY_TTL_MS',
    schema: integer(1000, 604_800_000),
    type: 'integer 1000–604800000 (ms)',
    default: '86400000',
    description:
      'How long the answer of a write sent with an Idempotency-Key header is kept: a retry with the same key within this time gets that answer and is not applied again (docs/decisions/0031-idempotent-writes.md).',
  },
} as const;

/** Gateway settings. */
export interface GatewayConfig extends GrpcTlsConfig {
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
  /** Retries of internal reads after UNAVAILABLE (default 2). */
  rpcRetries?: number | undefined;
  /** How long record operations reuse a collection's catalog row (0 = ask every time). */
  collectionCacheMs: number;
  /** The plan of tenants without one (HUEDB_PLAN; checked against the plan book at startup). */
  plan: string;
  /** The plans file (HUEDB_PLANS_FILE), if any. */
  plansFile?: string | undefined;
  /** Authenticate and authorize every route (HUEDB_AUTH); off = everyone may do everything. */
  auth: boolean;
  /** The bootstrap admin credential (HUEDB_ADMIN_TOKEN), if any. */
  adminToken?: string | undefined;
  /** Self-service signup (HUEDB_SIGNUP); off = invite-only. */
  signup?: boolean | undefined;
  /** Signups verify their address by mail first (HUEDB_EMAIL_VERIFICATION). */
  emailVerification?: boolean | undefined;
  /** The base of the links HueDB mails (HUEDB_PUBLIC_URL). */
  publicUrl?: string | undefined;
  /** The hops whose X-Forwarded-For/-Proto are believed (HUEDB_TRUSTED_PROXIES); none = none. */
  trustedProxies?: string[] | undefined;
  /** Trust anyone's `X-Forwarded-Proto` for the Secure cookie attribute (HUEDB_TRUST_PROXY_TLS). */
  trustProxyTls?: boolean | undefined;
  /** Login attempts per account / per address (refilling over 15 minutes) before 429. */
  loginAttemptsPerAccount?: number | undefined;
  loginAttemptsPerAddress?: number | undefined;
  /** Meter requests, queries and records returned (HUEDB_USAGE_METERING; default on). */
  usageMetering?: boolean | undefined;
  /** How often metered usage is reported to the control plane (HUEDB_USAGE_FLUSH_MS). */
  usageFlushMs?: number | undefined;
  /** How long idempotent writes' answers are kept (HUEDB_IDEMPOTENCY_TTL_MS; default 24 h). */
  idempotencyTtlMs?: number | undefined;
  logLevel: string;
  logPretty?: boolean | undefined;
  metricsListen?: string | undefined;
}

/** Reads the config (a bare env or flags/env/file); throws naming the first malformed variable. */
export function loadGatewayConfig(
  sources: NodeJS.ProcessEnv | SettingsSources = process.env,
): GatewayConfig {
  const { listen, ...rest } = loadSettings(gatewaySettings, asSources(sources));
  const [host, port] = splitHostPort(listen, 'HUEDB_GATEWAY_LISTEN');
  return { ...rest, host, port };
}

/** Splits "host:port"; throws naming `name` when it is not one. */
export function splitHostPort(value: string, name: string): [string, number] {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name}=${value}: expected host:port`);
  }
  return [value.slice(0, i), port];
}
