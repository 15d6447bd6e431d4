/**
 * The chart's generated parts, from their sources:
 * - helm/huedb/README.md's values table, from the `# --` comments in values.yaml (every value is
 *   documented there, or folded into a documented parent such as `resources`);
 * - values.schema.json's `$defs.settings.*` enums, from docs/configuration.md (itself generated
 *   from the services' settings schemas): the HUEDB_* settings a user may put in `config` and
 *   `<role>.config` — all a role reads, less the secrets and what the chart derives itself.
 *
 *   node --import tsx test/helm/chart-docs.ts           exit 1 when a generated part is stale
 *   node --import tsx test/helm/chart-docs.ts --write   regenerate them (`make helm-docs`)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { parse } from 'yaml';

export const REPO = path.join(import.meta.dirname, '..', '..');
export const CHART = path.join(REPO, 'helm', 'huedb');
const README = path.join(CHART, 'README.md');
const SCHEMA = path.join(CHART, 'values.schema.json');
const START = '<!-- values:start (generated from values.yaml by `make helm-docs`) -->';
const END = '<!-- values:end -->';

/** The HueDB roles the chart runs, by the name docs/configuration.md's "read by" column uses. */
export const ROLES = ['gateway', 'catalog', 'log', 'query', 'compactor'] as const;

/**
 * Settings the chart sets from its own values (listeners, addresses, Postgres/Kafka/S3, auth,
 * membership ids): a `config` entry would contradict them, so the schema refuses them there.
 */
export const DERIVED = new Set([
  'HUEDB_GATEWAY_LISTEN',
  'HUEDB_CATALOG_LISTEN',
  'HUEDB_LOG_LISTEN',
  'HUEDB_QUERY_LISTEN',
  'HUEDB_COMPACTOR_LISTEN',
  'HUEDB_METRICS_LISTEN',
  'HUEDB_CATALOG_ADDR',
  'HUEDB_LOG_ADDR',
  'HUEDB_MEMBER_ID',
  'HUEDB_AUTH',
  'HUEDB_PUBLIC_URL',
  'HUEDB_POSTGRES_URL',
  'HUEDB_POSTGRES_POOL_MAX',
  'HUEDB_KAFKA_BROKERS',
  'HUEDB_WAL_TOPIC_PREFIX',
  'HUEDB_WAL_PARTITIONS',
  'HUEDB_WAL_REPLICATION_FACTOR',
  'HUEDB_WAL_MIN_INSYNC_REPLICAS',
  'HUEDB_S3_ENDPOINT',
  'HUEDB_S3_REGION',
  'HUEDB_S3_BUCKET',
  'HUEDB_S3_PREFIX',
  'HUEDB_S3_ACCESS_KEY_ID',
  'HUEDB_SEGMENT_CACHE_DIR',
  'HUEDB_COMPACTOR_DIR',
  'HUEDB_GRPC_TLS_CA',
  'HUEDB_GRPC_TLS_CERT',
  'HUEDB_GRPC_TLS_KEY',
  'HUEDB_GRPC_TLS_CLIENT_AUTH',
  'HUEDB_GRPC_TLS_SERVER_NAME',
  'HUEDB_OBJECT_STORE_DIR',
]);

/** One service setting from docs/configuration.md. */
export interface Setting {
  env: string;
  secret: boolean;
  readBy: string[];
}

/** The service settings table of docs/configuration.md. */
export function serviceSettings(
  doc = readFileSync(path.join(REPO, 'docs', 'configuration.md'), 'utf8'),
): Setting[] {
  const section = doc.slice(
    doc.indexOf('## Service settings'),
    doc.indexOf('## Scripts and tests'),
  );
  const settings: Setting[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \| [^|]* \| (.*?) \| .*? \| ([a-z, -]+) \| /.exec(line);
    if (!m) continue;
    settings.push({
      env: m[1]!,
      secret: m[2]!.includes('(secret)'),
      readBy: m[3]!.split(',').map((s) => s.trim()),
    });
  }
  return settings;
}

/** The settings a user may set for a role (or, for `all`, for every role at once). */
export function allowedSettings(
  role: (typeof ROLES)[number] | 'all',
  settings = serviceSettings(),
): string[] {
  return settings
    .filter((s) => !s.secret && !DERIVED.has(s.env))
    .filter((s) =>
      role === 'all' ? ROLES.some((r) => s.readBy.includes(r)) : s.readBy.includes(role),
    )
    .map((s) => s.env)
    .sort();
}

/** A documented value: its dotted key, default (as YAML-ish JSON) and description. */
export interface ValueDoc {
  key: string;
  default: string;
  description: string;
}

/**
 * Reads values.yaml's `# --` comments: each documents the key on the next line. A key without one
 * is fine only under a documented parent (its default is part of the parent's); anything else is
 * an undocumented value and throws.
 */
export function valueDocs(
  text = readFileSync(path.join(CHART, 'values.yaml'), 'utf8'),
): ValueDoc[] {
  const values = parse(text) as Record<string, unknown>;
  const docs: ValueDoc[] = [];
  const stack: { indent: number; key: string; documented: boolean }[] = [];
  let pending: string[] | undefined;
  for (const line of text.split('\n')) {
    const comment = /^\s*# -- (.*)$/.exec(line);
    if (comment) {
      pending = [comment[1]!];
      continue;
    }
    const key = /^(\s*)([A-Za-z0-9_]+):/.exec(line);
    if (!key) {
      if (!/^\s*(#.*)?$/.test(line) && !/^\s*[-}\]]/.test(line)) pending = undefined;
      continue;
    }
    const indent = key[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const full = [...stack.map((s) => s.key), key[2]!].join('.');
    const underDocumented = stack.some((s) => s.documented);
    const documented = pending !== undefined;
    if (documented) {
      docs.push({
        key: full,
        default: JSON.stringify(at(values, full)),
        description: pending!.join(' '),
      });
    } else if (!underDocumented && !isMap(at(values, full))) {
      throw new Error(`values.yaml: ${full} has no "# --" description`);
    }
    stack.push({ indent, key: key[2]!, documented: documented || underDocumented });
    pending = undefined;
  }
  // A section documented as a whole and key by key: its keys carry the defaults.
  return docs.map((d) =>
    docs.some((other) => other.key.startsWith(`${d.key}.`)) ? { ...d, default: '' } : d,
  );
}

function at(values: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (isMap(v) ? v[k] : undefined), values);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** README.md with its values table regenerated. */
export async function readme(current = readFileSync(README, 'utf8')): Promise<string> {
  const rows = valueDocs().map(
    (d) =>
      `| \`${d.key}\` | ${d.default ? `\`${d.default.replace(/\|/g, '\\|')}\`` : ''} | ${d.description.replace(/\|/g, '\\|')} |`,
  );
  const table = ['| key | default | description |', '| --- | --- | --- |', ...rows].join('\n');
  const from = current.indexOf(START);
  const to = current.indexOf(END);
  if (from === -1 || to === -1)
    throw new Error(`helm/huedb/README.md: the ${START} … ${END} markers are missing`);
  const next = `${current.slice(0, from)}${START}\n\n${table}\n\n${current.slice(to)}`;
  return format(next, { filepath: README, ...(await prettierOptions()) });
}

/** values.schema.json with its `$defs.settings` regenerated. */
export async function schema(current = readFileSync(SCHEMA, 'utf8')): Promise<string> {
  const json = JSON.parse(current) as { $defs: Record<string, unknown> };
  const settings = serviceSettings();
  const defs: Record<string, unknown> = {};
  for (const role of ['all', ...ROLES] as const) {
    defs[role] = {
      type: 'object',
      propertyNames: { enum: allowedSettings(role, settings) },
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    };
  }
  json.$defs.settings = {
    $comment: 'Generated from docs/configuration.md by `make helm-docs`.',
    ...defs,
  };
  return format(JSON.stringify(json), { filepath: SCHEMA, ...(await prettierOptions()) });
}

async function prettierOptions() {
  const { resolveConfig } = await import('prettier');
  return (await resolveConfig(README)) ?? {};
}

async function main() {
  const write = process.argv.includes('--write');
  const stale: string[] = [];
  for (const [file, next] of [
    [README, await readme()],
    [SCHEMA, await schema()],
  ] as const) {
    if (readFileSync(file, 'utf8') === next) continue;
    if (write) writeFileSync(file, next);
    else stale.push(path.relative(REPO, file));
  }
  if (stale.length > 0) {
    console.error(`${stale.join(', ')}: stale; run \`make helm-docs\` and commit the result`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) await main();
