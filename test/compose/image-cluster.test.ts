import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  docker,
  ensureImage,
  freePort,
  getInfra,
  uniqueName,
  type BuiltImage,
} from '@huedb/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf, loadCompose, type ComposeService } from './compose-file.js';

/**
 * The HueDB half of deploy/compose/compose.yaml, run for real: catalog, log, query, compactor and
 * gateway containers from the image, with the file's command, environment, read-only root and
 * /tmp tmpfs, started in its depends_on order, each waited for by the image's HEALTHCHECK. What
 * differs, because no registry serves the Postgres/Kafka/MinIO images here: the containers share
 * the host's network and use the run's infrastructure (a database, topic prefix and S3 prefix of
 * their own), and every listener takes a free loopback port (compose gives each container its
 * own address; on the host's network the query node cannot announce its host name).
 */
const ROLES = ['catalog', 'log', 'query', 'compactor', 'gateway'] as const;
type Role = (typeof ROLES)[number];
const DEADLINE_MS = 90_000;
/** Each step waits on containers starting, a compaction or a drain. */
const STEP_TIMEOUT_MS = 240_000;
const ADMIN_TOKEN = randomBytes(32).toString('hex');

let image: BuiltImage;
let s3: S3Client;
const name = uniqueName('composecheck');
const containers = new Map<Role, string>();
const ports = {} as Record<Role, number>;
let gateway: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${DEADLINE_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function logsOf(role: Role): Promise<string> {
  return docker(image, ['logs', '--tail', '30', containers.get(role)!]).catch(String);
}

/** The service's environment from compose.yaml, pointed at this run's infrastructure and ports. */
async function environment(role: Role, service: ComposeService): Promise<Record<string, string>> {
  const infra = getInfra();
  const env = environmentOf(service);
  const database = new URL(infra.postgresUrl);
  database.pathname = `/${name}`;
  const replace: Record<string, string> = {
    HUEDB_POSTGRES_URL: database.toString(),
    HUEDB_KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    HUEDB_S3_ENDPOINT: infra.s3.endpoint,
    HUEDB_S3_REGION: infra.s3.region,
    HUEDB_S3_ACCESS_KEY_ID: infra.s3.accessKeyId,
    HUEDB_S3_SECRET_ACCESS_KEY: infra.s3.secretAccessKey,
    HUEDB_S3_BUCKET: infra.s3.bucket,
    HUEDB_CATALOG_ADDR: `127.0.0.1:${ports.catalog}`,
    HUEDB_LOG_ADDR: `127.0.0.1:${ports.log}`,
  };
  for (const key of Object.keys(env)) if (replace[key] !== undefined) env[key] = replace[key];
  if (role === 'log') env.HUEDB_WAL_TOPIC_PREFIX = name;
  if (env.HUEDB_S3_BUCKET) env.HUEDB_S3_PREFIX = `${name}/`;
  // Compact soon, so the test sees segments in S3.
  if (role === 'compactor') {
    Object.assign(env, { HUEDB_COMPACTION_MIN_RECORDS: '10', HUEDB_COMPACTION_MAX_AGE_MS: '500' });
  }
  env[`HUEDB_${role.toUpperCase()}_LISTEN`] = `127.0.0.1:${ports[role]}`;
  if (role !== 'gateway') env.HUEDB_METRICS_LISTEN = `127.0.0.1:${await freePort()}`;
  return env;
}

async function start(role: Role, service: ComposeService): Promise<void> {
  const env = await environment(role, service);
  const id = await docker(image, [
    'run',
    '--detach',
    '--name',
    `${name}-${role}`,
    '--network',
    'host',
    ...(service.read_only ? ['--read-only'] : []),
    ...(service.tmpfs ?? []).flatMap((dir) => ['--tmpfs', dir]),
    // The image's probe every second instead of every 10 s: the test waits on it.
    '--health-interval',
    '1s',
    ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    image.id,
    ...service.command!,
  ]);
  containers.set(role, id);
}

async function healthy(role: Role): Promise<void> {
  await until(`${role} healthy`, async () => {
    const state = await docker(image, [
      'inspect',
      '--format',
      '{{.State.Status}} {{.State.Health.Status}}',
      containers.get(role)!,
    ]);
    if (state.startsWith('exited')) throw new Error(`${role} exited:\n${await logsOf(role)}`);
    return state === 'running healthy' ? true : undefined;
  }).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await logsOf(role)}`);
  });
}

beforeAll(async () => {
  image = await ensureImage();
  const infra = getInfra();
  const admin = new pg.Client({ connectionString: infra.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  s3 = new S3Client({
    endpoint: infra.s3.endpoint,
    region: infra.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: infra.s3.accessKeyId, secretAccessKey: infra.s3.secretAccessKey },
  });
  for (const role of ROLES) ports[role] = await freePort();
  gateway = `http://127.0.0.1:${ports.gateway}`;
}, 45 * 60_000); // a first build of the image on a new machine takes minutes

afterAll(async () => {
  for (const id of containers.values()) await docker(image, ['rm', '--force', id]).catch(() => '');
  s3?.destroy();
  const admin = new pg.Client({ connectionString: getInfra().postgresUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe("compose.yaml's HueDB services from the image", () => {
  it(
    'start in depends_on order, each healthy by the HEALTHCHECK',
    async () => {
      const services = loadCompose({ HUEDB_ADMIN_TOKEN: ADMIN_TOKEN });
      const started = new Set<Role>();
      // Compose's order: a service starts once the HueDB services it depends on are healthy (the
      // infrastructure it depends on is the run's, already up).
      while (started.size < ROLES.length) {
        const ready = ROLES.filter(
          (role) =>
            !started.has(role) &&
            Object.keys(services[role]!.depends_on ?? {}).every(
              (dep) => !ROLES.includes(dep as Role) || started.has(dep as Role),
            ),
        );
        expect(ready, 'a depends_on cycle').not.toEqual([]);
        await Promise.all(ready.map((role) => start(role, services[role]!)));
        await Promise.all(ready.map((role) => healthy(role)));
        for (const role of ready) started.add(role);
      }
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'serve the Chroma API with auth on, and compact into S3',
    async () => {
      const base = `${gateway}/api/v2/tenants/default_tenant/databases/default_database/collections`;
      const headers = { 'content-type': 'application/json', 'x-chroma-token': ADMIN_TOKEN };
      expect((await fetch(base)).status).toBe(401);
      const created = await fetch(base, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'compose' }),
      });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      const ids = Array.from({ length: 50 }, (_, i) => `r${i}`);
      const added = await fetch(`${base}/${id}/add`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ids, embeddings: ids.map((_, i) => [i, 1]) }),
      });
      expect(added.status).toBe(201);
      const queried = await fetch(`${base}/${id}/query`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query_embeddings: [[7.2, 1]], n_results: 2, include: [] }),
      });
      expect(queried.status).toBe(200);
      expect(((await queried.json()) as { ids: string[][] }).ids).toEqual([['r7', 'r8']]);
      // The compactor wrote segments under this run's prefix.
      await until('segments in S3', async () => {
        const listed = await s3.send(
          new ListObjectsV2Command({ Bucket: getInfra().s3.bucket, Prefix: `${name}/` }),
        );
        return (listed.KeyCount ?? 0) > 0 ? true : undefined;
      });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'drain on SIGTERM: docker stop ends every role with exit code 0',
    async () => {
      for (const role of [...ROLES].reverse()) {
        const id = containers.get(role)!;
        await docker(image, ['stop', '--time', '30', id], 60_000);
        expect(
          `${role} ${await docker(image, ['inspect', '--format', '{{.State.ExitCode}}', id])}`,
        ).toBe(`${role} 0`);
      }
    },
    STEP_TIMEOUT_MS,
  );
});
