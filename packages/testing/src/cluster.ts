import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestInfra } from './infra.js';
import { REPO_ROOT } from './providers/local.js';
import { uniqueName } from './names.js';
import { answers, freePort } from './ports.js';

/** The services a cluster runs, one OS process per instance. */
export type Role = 'catalog' | 'log' | 'query' | 'compactor' | 'gateway';

/** How many of each and how to configure them. */
export interface ClusterOptions {
  infra: TestInfra;
  gateways?: number;
  queryNodes?: number;
  logs?: number;
  compactors?: number;
  /** Where process logs go (one file per instance). Default: <repo>/.data/clusters/<name>. */
  dir?: string;
  /** Extra environment per role (e.g. tail limits). */
  env?: Partial<Record<Role, Record<string, string>>>;
  /**
   * Gateways authenticate (HUEDB_AUTH), as a real cluster does by default; with it, a fresh
   * HUEDB_ADMIN_TOKEN is made for this cluster (`adminToken`). Default: true.
   */
  auth?: boolean;
}

interface Instance {
  role: Role;
  index: number;
  port: number;
  /** Where /metrics answers: its own listener for gRPC services, the API port for gateways. */
  metricsPort: number;
  env: Record<string, string>;
  logFile: string;
  child?: ChildProcess;
}

const START_DEADLINE_MS = 90_000;

/**
 * The gateways' HUEDB_PUBLIC_URL: mailed links start with it. A console's https address, as in
 * production (the gateway serves no /accounts pages, and https makes session cookies Secure).
 */
export const CLUSTER_PUBLIC_URL = 'https://console.huedb.test';

/** The header a Chroma client sends a token in; none for no token (a deployment without auth). */
export function tokenHeaders(token: string | undefined): Record<string, string> {
  return token ? { 'x-chroma-token': token } : {};
}

/**
 * A HueDB cluster of separate processes on real infrastructure, for end-to-end and fault tests:
 * a fresh Postgres database and Kafka topic prefix per cluster, services started from source
 * (tsx), each waited for until it answers. Individual instances can be killed and restarted.
 */
export class LocalCluster {
  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly postgresUrl: string,
    private readonly instances: Instance[],
    private readonly adminUrl: string,
    private readonly database: string,
    /** The gateways' HUEDB_ADMIN_TOKEN (admin on every tenant); undefined with auth off. */
    readonly adminToken: string | undefined,
  ) {}

  /** Starts catalog, log, query nodes, compactors and gateways, in dependency order. */
  static async start(options: ClusterOptions): Promise<LocalCluster> {
    const name = uniqueName('cluster');
    const dir = options.dir ?? path.join(REPO_ROOT, '.data', 'clusters', name);
    mkdirSync(dir, { recursive: true });

    const admin = new pg.Client({ connectionString: options.infra.postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const dbUrl = new URL(options.infra.postgresUrl);
    dbUrl.pathname = `/${name}`;
    const postgresUrl = dbUrl.toString();
    const adminToken =
      options.auth === false ? undefined : `e2e-${randomBytes(24).toString('hex')}`;

    const counts: Record<Role, number> = {
      catalog: 1,
      log: options.logs ?? 1,
      query: options.queryNodes ?? 2,
      compactor: options.compactors ?? 0,
      gateway: options.gateways ?? 2,
    };
    const instances: Instance[] = [];
    for (const role of Object.keys(counts) as Role[]) {
      for (let index = 0; index < counts[role]; index++) {
        const port = await freePort();
        instances.push({
          role,
          index,
          port,
          metricsPort: role === 'gateway' ? port : await freePort(),
          env: {},
          logFile: path.join(dir, `${role}-${index}.log`),
        });
      }
    }
    const addresses = (role: Role) =>
      instances
        .filter((i) => i.role === role)
        .map((i) => `127.0.0.1:${i.port}`)
        .join(',');
    const common = {
      HUEDB_POSTGRES_URL: postgresUrl,
      HUEDB_KAFKA_BROKERS: options.infra.kafkaBrokers.join(','),
      HUEDB_WAL_TOPIC_PREFIX: name,
      HUEDB_S3_ENDPOINT: options.infra.s3.endpoint,
      HUEDB_S3_REGION: options.infra.s3.region,
      HUEDB_S3_ACCESS_KEY_ID: options.infra.s3.accessKeyId,
      HUEDB_S3_SECRET_ACCESS_KEY: options.infra.s3.secretAccessKey,
      HUEDB_S3_BUCKET: options.infra.s3.bucket,
      HUEDB_S3_PREFIX: `${name}/`,
      HUEDB_CATALOG_ADDR: addresses('catalog'),
      HUEDB_LOG_ADDR: addresses('log'),
      HUEDB_ALLOW_RESET: 'true',
      // The catalog's control plane mails verification/reset/invite links to the SMTP catcher.
      HUEDB_SMTP_URL: options.infra.mail.smtpUrl,
      HUEDB_MAIL_FROM: 'HueDB <no-reply@huedb.test>',
    };
    for (const instance of instances) {
      const listen = `127.0.0.1:${instance.port}`;
      instance.env = {
        ...common,
        HUEDB_MEMBER_ID: `${instance.role}-${instance.index}`,
        HUEDB_COMPACTOR_DIR: path.join(dir, `${instance.role}-${instance.index}-work`),
        HUEDB_SEGMENT_CACHE_DIR: path.join(dir, `${instance.role}-${instance.index}-segments`),
        [`HUEDB_${instance.role.toUpperCase()}_LISTEN`]: listen,
        ...(instance.role === 'gateway'
          ? {
              HUEDB_PUBLIC_URL: CLUSTER_PUBLIC_URL,
              ...(adminToken
                ? { HUEDB_AUTH: 'true', HUEDB_ADMIN_TOKEN: adminToken }
                : { HUEDB_AUTH: 'false' }),
            }
          : { HUEDB_METRICS_LISTEN: `127.0.0.1:${instance.metricsPort}` }),
        ...(options.env?.[instance.role] ?? {}),
      };
    }

    const cluster = new LocalCluster(
      name,
      dir,
      postgresUrl,
      instances,
      options.infra.postgresUrl,
      name,
      adminToken,
    );
    try {
      // The catalog migrates the database; everything else registers with it.
      for (const role of ['catalog', 'log', 'query', 'compactor', 'gateway'] as Role[]) {
        await Promise.all(instances.filter((i) => i.role === role).map((i) => cluster.launch(i)));
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Base URLs of the gateways, e.g. http://127.0.0.1:43121. */
  get gatewayUrls(): string[] {
    return this.instances
      .filter((i) => i.role === 'gateway')
      .map((i) => `http://127.0.0.1:${i.port}`);
  }

  /** The header that makes a request the bootstrap admin's (none with auth off). */
  get authHeaders(): Record<string, string> {
    return tokenHeaders(this.adminToken);
  }

  /** The running processes, named `<role>-<index>` (a soak samples their memory and files). */
  processes(): { name: string; pid: number }[] {
    return this.instances.flatMap((i) =>
      i.child?.pid === undefined ? [] : [{ name: `${i.role}-${i.index}`, pid: i.child.pid }],
    );
  }

  /** "host:port" of every instance of a role. */
  addresses(role: Role): string[] {
    return this.instances.filter((i) => i.role === role).map((i) => `127.0.0.1:${i.port}`);
  }

  /** The Prometheus /metrics URL of one instance (gateways serve it on their API port). */
  metricsUrl(role: Role, index: number): string {
    return `http://127.0.0.1:${this.find(role, index).metricsPort}/metrics`;
  }

  /** Stops one instance: SIGTERM (graceful) or SIGKILL (crash). Resolves when it has exited. */
  async kill(role: Role, index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const instance = this.find(role, index);
    const child = instance.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    instance.child = undefined;
  }

  /** Starts an instance that was killed, on the same port and configuration. */
  async restart(role: Role, index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(role, index, signal);
    await this.launch(this.find(role, index));
  }

  /** Changes an instance's environment for its next start (e.g. to arm or clear a failpoint). */
  setEnv(role: Role, index: number, env: Record<string, string | undefined>): void {
    const instance = this.find(role, index);
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete instance.env[key];
      else instance.env[key] = value;
    }
  }

  /** Stops every process (gracefully, then by force) and drops the cluster's database. */
  async stop(): Promise<void> {
    const order: Role[] = ['gateway', 'compactor', 'query', 'log', 'catalog'];
    for (const role of order) {
      await Promise.all(
        this.instances
          .filter((i) => i.role === role)
          .map(async (i) => {
            const timer = setTimeout(() => i.child?.kill('SIGKILL'), 10_000);
            await this.kill(i.role, i.index, 'SIGTERM');
            clearTimeout(timer);
          }),
      );
    }
    const admin = new pg.Client({ connectionString: this.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }

  private find(role: Role, index: number): Instance {
    const instance = this.instances.find((i) => i.role === role && i.index === index);
    if (!instance) throw new Error(`no ${role} #${index} in this cluster`);
    return instance;
  }

  private async launch(instance: Instance): Promise<void> {
    const log = openSync(instance.logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@huedb/source',
        '--import',
        'tsx',
        path.join('services', instance.role, 'src', 'main.ts'),
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...instance.env }, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    instance.child = child;
    let exit: string | undefined;
    child.once('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));
    const deadline = Date.now() + START_DEADLINE_MS;
    while (!(await answers(instance.port))) {
      if (exit !== undefined || Date.now() > deadline) {
        const tail = readFileSync(instance.logFile, 'utf8').split('\n').slice(-30).join('\n');
        throw new Error(
          `${instance.role} #${instance.index} ${exit ?? 'did not listen in time'} (log ${instance.logFile}):\n${tail}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
