/**
 * The chart's fast checks (no cluster): `helm lint`, `helm template` over a matrix of values
 * validated offline against the Kubernetes JSON schemas of the oldest supported (1.29) and the
 * tested (1.33) versions, values.schema.json refusing bad values, and assertions on the objects.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allowedSettings, readme, schema, serviceSettings } from './chart-docs.js';
import {
  CHART,
  helmBin,
  type K8sObject,
  objects,
  render,
  run,
  setArgs,
  template,
  validatorBin,
} from './helm.js';

type Values = Record<string, string | number | boolean>;

/** The least an external (production) install needs. */
const EXTERNAL: Values = {
  'postgres.host': 'pg.example.internal',
  'postgres.existingSecret': 'pg-credentials',
  'kafka.brokers': 'kafka-0:9092,kafka-1:9092,kafka-2:9092',
  's3.bucket': 'segments',
  's3.existingSecret': 's3-credentials',
};

const MATRIX: Record<string, Values> = {
  defaults: { 'postgres.host': 'pg', 'kafka.brokers': 'kafka:9092' },
  bundled: { 'bundled.enabled': true, 'bundled.persistence.enabled': true },
  external: {
    ...EXTERNAL,
    'postgres.sslmode': 'verify-full',
    'postgres.caSecret': 'pg-ca',
    's3.endpoint': 'https://s3.example.internal',
    extraCaSecret: 'corp-ca',
    'grpcTls.enabled': true,
    'grpcTls.secretName': 'huedb-grpc',
    'grpcTls.serverName': 'huedb-grpc',
    'auth.existingSecret': 'huedb-admin',
  },
  ha: {
    ...EXTERNAL,
    'gateway.autoscaling.enabled': true,
    'catalog.replicas': 3,
    'log.replicas': 3,
    'query.replicas': 4,
    'query.cache.persistent': true,
    'compactor.replicas': 2,
    'topologySpread.whenUnsatisfiable': 'DoNotSchedule',
    'networkPolicy.enabled': true,
    'metrics.serviceMonitor.enabled': true,
  },
  ingress: {
    ...EXTERNAL,
    'ingress.enabled': true,
    'ingress.className': 'nginx',
    'ingress.hosts[0]': 'huedb.example.com',
    'ingress.tls[0].secretName': 'huedb-tls',
    'ingress.tls[0].hosts[0]': 'huedb.example.com',
    'gateway.publicUrl': 'https://huedb.example.com',
  },
};

const SERVICE_ROLES = ['gateway', 'catalog', 'log', 'query', 'compactor'];

let helm: string;
let validator: string;
let scratch: string;

beforeAll(() => {
  helm = helmBin();
  validator = validatorBin();
  scratch = mkdtempSync(path.join(tmpdir(), 'huedb-chart-'));
});

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  envFrom?: { configMapRef: { name: string } }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  ports?: { name: string; containerPort: number }[];
  startupProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: { whenUnsatisfiable: string; topologyKey: string }[];
}

function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `no ${kind} ${name} in: ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return o;
}

function podSpec(o: K8sObject): PodSpec {
  if (o.kind === 'Pod') return o.spec as PodSpec;
  return (o.spec as { template: { spec: PodSpec } }).template.spec;
}

function workloads(objs: K8sObject[]): K8sObject[] {
  return objs.filter((o) => ['Deployment', 'StatefulSet', 'Job', 'Pod'].includes(o.kind));
}

function configOf(objs: K8sObject[], role: string): Record<string, string> {
  return find(objs, 'ConfigMap', `r-huedb-${role}`).data as Record<string, string>;
}

describe('helm lint and offline validation', () => {
  it.each(Object.keys(MATRIX))('%s: lints clean', (name) => {
    const r = run(helm, ['lint', '--strict', CHART, ...setArgs(MATRIX[name]!)]);
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it.each(Object.keys(MATRIX))(
    '%s: every object validates against Kubernetes 1.29 and 1.33',
    (name) => {
      const r = template(helm, MATRIX[name]!, [
        '--api-versions',
        'monitoring.coreos.com/v1/ServiceMonitor',
      ]);
      expect(r.stderr).toBe('');
      const file = path.join(scratch, `${name}.yaml`);
      // ServiceMonitor is a CRD, not in Kubernetes' own schemas: validated by the assertions below.
      writeFileSync(
        file,
        objects(r.stdout)
          .filter((o) => o.kind !== 'ServiceMonitor')
          .map((o) => JSON.stringify(o))
          .join('\n---\n'),
      );
      for (const version of ['1.29.0', '1.33.0']) {
        const v = run(validator, ['--strict', '--quiet', '-k', version, file]);
        expect(v.stdout + v.stderr).toBe('');
        expect(v.code).toBe(0);
      }
    },
  );

  it('the chart refuses a cluster older than 1.29', () => {
    const r = template(helm, MATRIX.defaults!, ['--kube-version', '1.28.0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('kubeVersion');
  });
});

describe('values.schema.json and the chart refuse bad values at install', () => {
  const refused: [string, Values, string][] = [
    ['an unknown value', { ...EXTERNAL, replicas: 3 }, 'additional properties'],
    ['a bad pull policy', { ...EXTERNAL, 'image.pullPolicy': 'Sometimes' }, 'pullPolicy'],
    [
      'a secret in config',
      { ...EXTERNAL, 'config.HUEDB_ADMIN_TOKEN': 'x'.repeat(40) },
      "invalid propertyName 'HUEDB_ADMIN_TOKEN'",
    ],
    [
      'a derived setting in config',
      { ...EXTERNAL, 'gateway.config.HUEDB_GATEWAY_LISTEN': '0.0.0.0:1' },
      "invalid propertyName 'HUEDB_GATEWAY_LISTEN'",
    ],
    [
      'a setting the role does not read',
      { ...EXTERNAL, 'gateway.config.HUEDB_WAL_MAX_TAIL_RECORDS': 10 },
      "invalid propertyName 'HUEDB_WAL_MAX_TAIL_RECORDS'",
    ],
    ['a short admin token', { ...EXTERNAL, 'auth.adminToken': 'short' }, 'adminToken'],
    ['a bad broker list', { ...EXTERNAL, 'kafka.brokers': 'no-port' }, 'brokers'],
    ['no Postgres and no bundled mode', { 'kafka.brokers': 'k:9092' }, 'postgres.host is required'],
    ['no Kafka and no bundled mode', { 'postgres.host': 'pg' }, 'kafka.brokers is required'],
    ['a WAL topic with 1 replica', { ...EXTERNAL, 'kafka.replicationFactor': 1 }, 'at least 3'],
    ['min.insync.replicas 1', { ...EXTERNAL, 'kafka.minInsyncReplicas': 1 }, 'at least 2'],
    ['gRPC TLS without a Secret', { ...EXTERNAL, 'grpcTls.enabled': true }, 'grpcTls.secretName'],
  ];
  it.each(refused)('%s', (_, values, message) => {
    const r = template(helm, values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it('a single-broker test Kafka is accepted when asked for', () => {
    const objs = render(helm, {
      ...EXTERNAL,
      'kafka.replicationFactor': 1,
      'kafka.minInsyncReplicas': 1,
      'kafka.allowUnsafeReplication': true,
    });
    expect(configOf(objs, 'log')).toMatchObject({
      HUEDB_WAL_REPLICATION_FACTOR: '1',
      HUEDB_WAL_MIN_INSYNC_REPLICAS: '1',
    });
  });
});

describe('the rendered objects', () => {
  it('every HueDB container runs the image non-root, read-only, without capabilities, with resources', () => {
    for (const values of Object.values(MATRIX)) {
      const objs = render(helm, { ...values, 'image.tag': 'test' });
      for (const w of workloads(objs)) {
        const spec = podSpec(w);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const bundled = ['postgres', 'kafka', 'minio'].includes(c.name);
          if (!bundled) expect(c.image, `${w.metadata.name}/${c.name}`).toBe('huedb:test');
          expect(c.securityContext, `${w.metadata.name}/${c.name}`).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          });
          expect(c.resources?.requests?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
          expect(c.resources?.limits?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
        }
        expect(spec.securityContext, w.metadata.name).toMatchObject({ runAsNonRoot: true });
      }
    }
  });

  it('the default image is huedb:<appVersion>, the one deploy/docker/image.sh builds', () => {
    const objs = render(helm, MATRIX.defaults!);
    const gateway = podSpec(find(objs, 'Deployment', 'r-huedb-gateway'));
    expect(gateway.containers[0]!.image).toBe('huedb:0.1.0');
    expect(gateway.containers[0]!.args).toEqual(['gateway']);
  });

  it('each role is its right kind, probed on its real endpoint, drains on stop', () => {
    const objs = render(helm, MATRIX.defaults!);
    const kinds: Record<string, string> = {
      gateway: 'Deployment',
      catalog: 'Deployment',
      compactor: 'Deployment',
      log: 'StatefulSet',
      query: 'StatefulSet',
    };
    for (const role of SERVICE_ROLES) {
      const w = find(objs, kinds[role]!, `r-huedb-${role}`);
      const c = podSpec(w).containers[0]!;
      expect(c.args).toEqual([role]);
      const [path, port] =
        role === 'gateway' ? ['/api/v2/heartbeat', 'http'] : ['/ready', 'metrics'];
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        expect(probe?.httpGet, role).toEqual({ path, port });
      }
      const named = c.ports!.find((p) => p.name === port)!;
      const listen = role === 'gateway' ? 'HUEDB_GATEWAY_LISTEN' : 'HUEDB_METRICS_LISTEN';
      expect(configOf(objs, role)[listen]).toBe(`0.0.0.0:${named.containerPort}`);
      expect(c.lifecycle?.preStop?.exec?.command).toEqual(['sleep', '5']);
      expect(podSpec(w).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    }
  });

  it('query nodes and log instances have stable names; the gateways list every log instance', () => {
    const objs = render(helm, { ...MATRIX.defaults!, 'log.replicas': 3 });
    const log = find(objs, 'StatefulSet', 'r-huedb-log') as K8sObject & {
      spec: { serviceName: string };
    };
    expect(find(objs, 'Service', log.spec.serviceName).spec).toMatchObject({ clusterIP: 'None' });
    expect(configOf(objs, 'gateway').HUEDB_LOG_ADDR).toBe(
      [0, 1, 2].map((i) => `r-huedb-log-${i}.r-huedb-log.ns.svc:50052`).join(','),
    );
    const query = podSpec(find(objs, 'StatefulSet', 'r-huedb-query')).containers[0]!;
    expect(query.env).toEqual(
      expect.arrayContaining([
        { name: 'HUEDB_MEMBER_ID', value: '$(POD_NAME)' },
        { name: 'HUEDB_QUERY_LISTEN', value: '$(POD_IP):50053' },
      ]),
    );
    // Env order matters for $(VAR) expansion: POD_IP before the listen address.
    const names = query.env!.map((e) => e.name);
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('HUEDB_QUERY_LISTEN'));
    const compactor = podSpec(find(objs, 'Deployment', 'r-huedb-compactor')).containers[0]!;
    expect(compactor.env).toEqual(
      expect.arrayContaining([{ name: 'HUEDB_MEMBER_ID', value: '$(POD_NAME)' }]),
    );
  });

  it('PodDisruptionBudgets for every replicated role; an HPA replaces the gateway replica count', () => {
    const plain = render(helm, MATRIX.defaults!);
    for (const role of ['gateway', 'catalog', 'log', 'query'])
      find(plain, 'PodDisruptionBudget', `r-huedb-${role}`);
    expect(plain.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const ha = render(helm, MATRIX.ha!);
    find(ha, 'PodDisruptionBudget', 'r-huedb-compactor');
    find(ha, 'HorizontalPodAutoscaler', 'r-huedb-gateway');
    expect(
      (find(ha, 'Deployment', 'r-huedb-gateway').spec as { replicas?: number }).replicas,
    ).toBeUndefined();
    const query = podSpec(find(ha, 'StatefulSet', 'r-huedb-query'));
    expect(query.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
      }),
    );
    expect(
      (find(ha, 'StatefulSet', 'r-huedb-query').spec as { volumeClaimTemplates?: unknown[] })
        .volumeClaimTemplates,
    ).toHaveLength(1);
  });

  it('the migrations Job is a hook before install and upgrade (after install in bundled mode)', () => {
    const external = find(render(helm, MATRIX.external!), 'Job', 'r-huedb-migrations');
    expect(external.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(external.metadata.annotations?.['helm.sh/hook-delete-policy']).toContain(
      'hook-succeeded',
    );
    const pgPassword = podSpec(external).containers[0]!.env!.find((e) => e.name === 'PGPASSWORD')!;
    expect(pgPassword.valueFrom?.secretKeyRef).toEqual({ name: 'pg-credentials', key: 'password' });
    expect(podSpec(external).containers[0]!.env).toContainEqual({
      name: 'HUEDB_POSTGRES_URL',
      value:
        'postgres://huedb@pg.example.internal:5432/huedb?sslmode=verify-full&sslrootcert=/etc/huedb/tls/postgres/ca.crt',
    });
    const own = render(helm, { ...MATRIX.defaults!, 'postgres.password': 'pw' });
    const hookSecret = find(own, 'Secret', 'r-huedb-migrations');
    expect(hookSecret.metadata.annotations?.['helm.sh/hook-weight']).toBe('-10');
    const bundled = find(render(helm, MATRIX.bundled!), 'Job', 'r-huedb-migrations');
    expect(bundled.metadata.annotations?.['helm.sh/hook']).toBe('post-install,pre-upgrade');
  });

  it('existing Secrets are used as they are, and the chart makes none for them', () => {
    const objs = render(helm, MATRIX.external!);
    const secrets = objs.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
    expect(secrets).toEqual([]);
    const gatewayEnv = podSpec(find(objs, 'Deployment', 'r-huedb-gateway')).containers[0]!.env!;
    expect(gatewayEnv.find((e) => e.name === 'HUEDB_ADMIN_TOKEN')?.valueFrom?.secretKeyRef).toEqual(
      {
        name: 'huedb-admin',
        key: 'admin-token',
      },
    );
    const queryEnv = podSpec(find(objs, 'StatefulSet', 'r-huedb-query')).containers[0]!.env!;
    expect(
      queryEnv.find((e) => e.name === 'HUEDB_S3_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef,
    ).toEqual({
      name: 's3-credentials',
      key: 'secret-access-key',
    });
    expect(queryEnv).toContainEqual({
      name: 'NODE_EXTRA_CA_CERTS',
      value: '/etc/huedb/tls/extra/ca.crt',
    });
    expect(configOf(objs, 'query')).toMatchObject({
      HUEDB_S3_ENDPOINT: 'https://s3.example.internal',
      HUEDB_GRPC_TLS_CERT: '/etc/huedb/tls/grpc/tls.crt',
      HUEDB_GRPC_TLS_SERVER_NAME: 'huedb-grpc',
    });
  });

  it('a generated admin token is 48 characters; a given one is used', () => {
    const generated = find(render(helm, MATRIX.defaults!), 'Secret', 'r-huedb-auth');
    const token = Buffer.from(
      (generated.data as Record<string, string>)['admin-token']!,
      'base64',
    ).toString();
    expect(token).toMatch(/^[A-Za-z0-9]{48}$/);
    const given = find(
      render(helm, { ...MATRIX.defaults!, 'auth.adminToken': 'a'.repeat(40) }),
      'Secret',
      'r-huedb-auth',
    );
    expect(
      Buffer.from((given.data as Record<string, string>)['admin-token']!, 'base64').toString(),
    ).toBe('a'.repeat(40));
  });

  it('config and <role>.config reach the role ConfigMaps, the role winning', () => {
    const objs = render(helm, {
      ...MATRIX.defaults!,
      'config.HUEDB_LOG_LEVEL': 'debug',
      'log.config.HUEDB_LOG_LEVEL': 'warn',
      'log.config.HUEDB_WAL_MAX_TAIL_RECORDS': 5000,
    });
    expect(configOf(objs, 'gateway').HUEDB_LOG_LEVEL).toBe('debug');
    expect(configOf(objs, 'log')).toMatchObject({
      HUEDB_LOG_LEVEL: 'warn',
      HUEDB_WAL_MAX_TAIL_RECORDS: '5000',
    });
  });

  it('every HUEDB_* variable the chart sets is a setting of the role it is set on', () => {
    const settings = new Map(serviceSettings().map((s) => [s.env, s.readBy]));
    for (const values of Object.values(MATRIX)) {
      const objs = render(helm, values);
      for (const role of SERVICE_ROLES) {
        const names = [
          ...Object.keys(configOf(objs, role)),
          ...(
            podSpec(workloads(objs).find((w) => w.metadata.name === `r-huedb-${role}`)!)
              .containers[0]!.env ?? []
          ).map((e) => e.name),
        ].filter((n) => n.startsWith('HUEDB_'));
        for (const name of names) expect(settings.get(name), `${role}: ${name}`).toContain(role);
      }
    }
  });

  it('bundled mode runs Postgres, Kafka and MinIO in the release and points the roles at them', () => {
    const objs = render(helm, MATRIX.bundled!);
    for (const name of ['postgres', 'kafka', 'minio']) find(objs, 'StatefulSet', `r-huedb-${name}`);
    expect(configOf(objs, 'log')).toMatchObject({
      HUEDB_KAFKA_BROKERS: 'r-huedb-kafka.ns.svc:9092',
      HUEDB_WAL_REPLICATION_FACTOR: '1',
    });
    expect(configOf(objs, 'catalog').HUEDB_POSTGRES_URL).toBe(
      'postgres://huedb@r-huedb-postgres.ns.svc:5432/huedb?sslmode=disable',
    );
    expect(configOf(objs, 'query').HUEDB_S3_ENDPOINT).toBe('http://r-huedb-minio.ns.svc:9000');
    for (const role of ['query', 'compactor']) {
      const w = workloads(objs).find((o) => o.metadata.name === `r-huedb-${role}`)!;
      expect(podSpec(w).initContainers?.map((c) => c.name)).toEqual(['bucket']);
    }
    const kafkaConfig = find(objs, 'ConfigMap', 'r-huedb-kafka').data as Record<string, string>;
    expect(kafkaConfig['server.properties']).toContain(
      'advertised.listeners=PLAINTEXT://r-huedb-kafka-0.r-huedb-kafka.ns.svc:9092',
    );
    // Not bundled: none of them.
    const external = render(helm, MATRIX.defaults!);
    expect(external.some((o) => o.metadata.name === 'r-huedb-kafka')).toBe(false);
  });

  it('a ServiceMonitor only where its CRD exists', () => {
    expect(render(helm, MATRIX.ha!).some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const objs = render(helm, MATRIX.ha!, [
      '--api-versions',
      'monitoring.coreos.com/v1/ServiceMonitor',
    ]);
    const sm = find(objs, 'ServiceMonitor', 'r-huedb');
    expect((sm.spec as { endpoints: { port: string }[] }).endpoints.map((e) => e.port)).toEqual([
      'http',
      'metrics',
    ]);
  });

  it('the Ingress routes its TLS host to the gateways', () => {
    const ing = find(render(helm, MATRIX.ingress!), 'Ingress', 'r-huedb');
    expect(ing.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'huedb-tls', hosts: ['huedb.example.com'] }],
      rules: [{ host: 'huedb.example.com' }],
    });
  });

  it('NetworkPolicies cover every role', () => {
    const objs = render(helm, MATRIX.ha!);
    const names = objs.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name);
    expect(names.sort()).toEqual(SERVICE_ROLES.map((r) => `r-huedb-${r}`).sort());
  });

  it('the helm test pod runs the client scenario against the gateways with the admin token', () => {
    const pod = find(render(helm, MATRIX.defaults!), 'Pod', 'r-huedb-test');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const c = podSpec(pod).containers[0]!;
    expect(c.env).toContainEqual({
      name: 'GATEWAY_URL',
      value: 'http://r-huedb-gateway.ns.svc:8000',
    });
    expect(c.env?.find((e) => e.name === 'HUEDB_ADMIN_TOKEN')?.valueFrom?.secretKeyRef?.name).toBe(
      'r-huedb-auth',
    );
  });

  it('every object carries the release labels', () => {
    for (const o of render(helm, MATRIX.bundled!)) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/instance': 'r',
        'app.kubernetes.io/name': 'huedb',
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
  });
});

describe('generated parts', () => {
  it('README.md and values.schema.json are up to date (`make helm-docs`)', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(path.join(CHART, 'README.md'), 'utf8')).toBe(await readme());
    expect(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')).toBe(await schema());
  });

  it('the gateway may be tuned by the settings it reads', () => {
    expect(allowedSettings('gateway')).toContain('HUEDB_PLAN');
    expect(allowedSettings('gateway')).not.toContain('HUEDB_ADMIN_TOKEN');
    expect(allowedSettings('log')).toContain('HUEDB_WAL_MAX_TAIL_RECORDS');
  });
});
