import { catalogSettings } from '@huedb/catalog';
import { compactorSettings } from '@huedb/compactor';
import { gatewaySettings } from '@huedb/gateway';
import { logSettings } from '@huedb/log';
import { querySettings } from '@huedb/query';
import { renderConfigurationDocs, type OtherVariable } from '@huedb/service';
import { singleNodeSettings } from './config.js';

/** Variables read by scripts, the Makefile and the test harness rather than by a service. */
const OTHER_VARIABLES: OtherVariable[] = [
  {
    env: 'HUEDB_CONFIG',
    readBy: 'every service',
    default: '—',
    description: 'A YAML or JSON settings file (same as `--config`).',
  },
  {
    env: 'HUEDB_COMPACTOR_FAILPOINT',
    readBy: 'compactor (tests)',
    default: '—',
    description:
      'Crash the compactor at a named step (after-build, after-upload, after-register, after-advance): fault tests only.',
  },
  {
    env: 'HUEDB_CACHE_DIR',
    readBy: 'deploy/local/lib.sh, scripts/ensure-pnpm.sh, single-node',
    default: '`~/.cache/huedb`',
    description:
      "Where downloaded tools (pnpm, Kafka, MinIO, Mailpit, Chroma venv) are cached, and single-node's catalog image (`pglite/`: a new data directory's catalog is copied from it).",
  },
  {
    env: 'HUEDB_CATALOG_PORT',
    readBy: 'deploy/local/cluster.sh',
    default: '`50051`',
    description: "The local cluster's catalog port.",
  },
  {
    env: 'HUEDB_LOG_PORT',
    readBy: 'deploy/local/cluster.sh',
    default: '`50052`',
    description: "The local cluster's log port.",
  },
  {
    env: 'HUEDB_QUERY_PORT',
    readBy: 'deploy/local/cluster.sh',
    default: '`50061`',
    description: "The local cluster's first query node port (the next ones follow).",
  },
  {
    env: 'HUEDB_COMPACTOR_PORT',
    readBy: 'deploy/local/cluster.sh',
    default: '`50071`',
    description: "The local cluster's compactor port.",
  },
  {
    env: 'HUEDB_GATEWAY_PORT',
    readBy: 'deploy/local/cluster.sh',
    default: '`8000`',
    description: "The local cluster's first gateway port (the next ones follow).",
  },
  {
    env: 'HUEDB_GATEWAY_URL_<n>',
    readBy: 'deploy/local/cluster.sh (printed)',
    default: '—',
    description: 'Printed by `cluster.sh up`: the URL of gateway n.',
  },
  {
    env: 'HUEDB_CLUSTER_GATEWAYS',
    readBy: 'deploy/local/cluster.sh',
    default: '`2`',
    description: 'Gateways in the local cluster.',
  },
  {
    env: 'HUEDB_CLUSTER_QUERY_NODES',
    readBy: 'deploy/local/cluster.sh',
    default: '`2`',
    description: 'Query nodes in the local cluster.',
  },
  {
    env: 'HUEDB_COMPONENT',
    readBy: 'deploy/local/*.sh',
    default: '—',
    description: 'Set by the scripts for their log lines: the component being started.',
  },
  {
    env: 'HUEDB_START_TIMEOUT',
    readBy: 'deploy/local/*.sh',
    default: '`120`',
    description: 'Seconds a local component may take to answer after start.',
  },
  {
    env: 'HUEDB_STOP_TIMEOUT',
    readBy: 'deploy/local/lib.sh',
    default: '`30`',
    description: 'Seconds a local component may take to stop before SIGKILL.',
  },
  {
    env: 'HUEDB_PG_PORT',
    readBy: 'deploy/local/postgres.sh',
    default: '`54329`',
    description: 'The local Postgres port.',
  },
  {
    env: 'HUEDB_KAFKA_PORT',
    readBy: 'deploy/local/kafka.sh, packages/wal/test/bench',
    default: '`19092`',
    description: 'The local Kafka broker port.',
  },
  {
    env: 'HUEDB_KAFKA_CONTROLLER_PORT',
    readBy: 'deploy/local/kafka.sh, packages/wal/test/bench',
    default: '`19093`',
    description: 'The local Kafka KRaft controller port.',
  },
  {
    env: 'HUEDB_KAFKA_JAVA_OPTS',
    readBy: 'deploy/local/kafka.sh',
    default: '`-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1`',
    description: 'JVM options of the local Kafka.',
  },
  {
    env: 'HUEDB_MINIO_PORT',
    readBy: 'deploy/local/minio.sh',
    default: '`19000`',
    description: 'The local MinIO S3 port.',
  },
  {
    env: 'HUEDB_MINIO_CONSOLE_PORT',
    readBy: 'deploy/local/minio.sh',
    default: '`19001`',
    description: 'The local MinIO console port.',
  },
  {
    env: 'HUEDB_MAILPIT_SMTP_PORT',
    readBy: 'deploy/local/mailpit.sh',
    default: '`19025`',
    description: "The local Mailpit's SMTP port (the tests' SMTP catcher).",
  },
  {
    env: 'HUEDB_MAILPIT_HTTP_PORT',
    readBy: 'deploy/local/mailpit.sh',
    default: '`19026`',
    description: "The local Mailpit's HTTP API and web UI port.",
  },
  {
    env: 'HUEDB_MAILPIT_URL',
    readBy: 'packages/testing (printed by deploy/local/mailpit.sh)',
    default: '—',
    description: "Mailpit's HTTP API, where tests read the mail HueDB sent.",
  },
  {
    env: 'HUEDB_CHROMA_VERSION',
    readBy: 'deploy/local/chroma.sh, packages/testing',
    default: '`1.5.9`',
    description: 'The reference Chroma installed for differential tests.',
  },
  {
    env: 'HUEDB_SCHEMATHESIS_VERSION',
    readBy: 'deploy/local/schemathesis.sh',
    default: '`4.32.5`',
    description: 'The schemathesis the OpenAPI conformance test installs and runs.',
  },
  {
    env: 'HUEDB_TEST_INFRA_DIR',
    readBy: 'Makefile, packages/testing',
    default: '`.data/test-infra`',
    description: "Where the tests' local Postgres/Kafka/MinIO/Mailpit keep their data.",
  },
  {
    env: 'HUEDB_DOCKER_DIR',
    readBy: 'deploy/docker/engine.sh',
    default: '`~/.cache/huedb/docker`',
    description:
      "The private Docker engine's directory (data root with the image layer cache, exec root, socket, log), shared by the checkouts on a machine.",
  },
  {
    env: 'HUEDB_DOCKER_BRIDGE',
    readBy: 'deploy/docker/engine.sh',
    default: '`huedb0`',
    description: "The private engine's own bridge (a system Docker's docker0 is left alone).",
  },
  {
    env: 'HUEDB_DOCKER_BRIDGE_CIDR',
    readBy: 'deploy/docker/engine.sh',
    default: '`172.31.250.1/24`',
    description: "The bridge's address and its containers' range.",
  },
  {
    env: 'HUEDB_DOCKER',
    readBy: 'packages/testing (printed by deploy/docker/engine.sh)',
    default: '—',
    description:
      "The docker CLI shipped with the engine's dockerd; printed with DOCKER_HOST, which only the image tests' docker commands get.",
  },
  {
    env: 'HUEDB_IMAGE_TAG',
    readBy: 'deploy/docker/image.sh',
    default: '`huedb:test`',
    description: 'The tag image.sh gives the image it builds.',
  },
  {
    env: 'HUEDB_IMAGE_BASE',
    readBy: 'deploy/docker/image.sh',
    default: "base-image.sh's image",
    description:
      "The Dockerfile's BASE for the test image (e.g. `node:24-bookworm-slim` where a registry answers).",
  },
  {
    env: 'HUEDB_IMAGE',
    readBy: 'deploy/compose/compose.yaml, packages/testing (printed by deploy/docker/image.sh)',
    default: '`huedb:latest` (compose)',
    description:
      'The image tag: the one image.sh just built, or the one compose.yaml builds and runs.',
  },
  {
    env: 'HUEDB_IMAGE_ID',
    readBy: 'packages/testing (printed by deploy/docker/image.sh)',
    default: '—',
    description:
      'The id of the image image.sh just built: the tests run the id, so another checkout re-tagging meanwhile changes nothing for them.',
  },
  {
    env: 'HUEDB_BASE_IMAGE',
    readBy: 'deploy/compose/compose.yaml, deploy/docker/image.sh (printed by base-image.sh)',
    default: '`node:24-bookworm-slim` (compose)',
    description:
      "The Dockerfile's BASE: the public Node 24 slim image, or the local stand-in base-image.sh built.",
  },
  {
    env: 'HUEDB_POSTGRES_PASSWORD',
    readBy: 'deploy/compose/compose.yaml',
    default: '`huedb`',
    description: "The password of compose's Postgres (user and database huedb).",
  },
  {
    env: 'HUEDB_DEBIAN_MIRROR',
    readBy: 'deploy/docker/base-image.sh',
    default: '`http://deb.debian.org/debian`',
    description: 'The Debian mirror debootstrap installs the base image from.',
  },
  {
    env: 'HUEDB_CA_BUNDLE',
    readBy: 'deploy/docker/base-image.sh',
    default: '`/etc/ssl/certs/ca-certificates.crt`',
    description:
      "The host's CA bundle copied into the base image (NODE_EXTRA_CA_CERTS), so npm in the image build passes a TLS-intercepting proxy.",
  },
  {
    env: 'HUEDB_DIFF_RUNS',
    readBy: 'test/e2e/differential.test.ts',
    default: '`100`',
    description: 'Runs of the differential test against Chroma.',
  },
  {
    env: 'HUEDB_DIFF_SEED',
    readBy: 'test/e2e/differential.test.ts',
    default: 'random',
    description: 'The fast-check seed of the differential test (replays a failure it printed).',
  },
  {
    env: 'HUEDB_MODEL_RUNS',
    readBy: 'test/e2e/model.test.ts',
    default: '`40`',
    description: 'Runs of the model-based test.',
  },
];

/** docs/configuration.md as the schemas say it should read. */
export function configurationDocs(): string {
  return renderConfigurationDocs(
    [
      { service: 'catalog', settings: catalogSettings },
      { service: 'log', settings: logSettings },
      { service: 'query', settings: querySettings },
      { service: 'compactor', settings: compactorSettings },
      { service: 'gateway', settings: gatewaySettings },
      { service: 'single-node', settings: singleNodeSettings },
    ],
    OTHER_VARIABLES,
  );
}
