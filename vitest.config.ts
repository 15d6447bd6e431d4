import { defineConfig } from 'vitest/config';

// Projects: unit specs beside the code (no infrastructure); integration tests that get real
// Postgres, Kafka, S3 and an SMTP catcher from @huedb/testing's global setup; and the e2e suites,
// run against each deployment shape: a cluster of separate processes (compacting rarely, and
// aggressively) and a single node.
const OWN_CLUSTER_SUITES = [
  'test/e2e/restart.test.ts',
  'test/e2e/backpressure.test.ts',
  'test/e2e/compaction.test.ts',
  'test/e2e/fork-storage.test.ts',
  // Schemathesis on a cluster with auth on: it deletes whatever its key reaches.
  'test/e2e/openapi-conformance-cluster.test.ts',
];
// Suites that start a single node of their own (the OpenAPI fuzzer deletes what it finds; the
// accounts and admin suites need nodes nobody else writes to, with auth on): they run once, in
// the cheapest project.
const OWN_SINGLE_NODE_SUITES = [
  'test/e2e/openapi-conformance.test.ts',
  'test/e2e/accounts.test.ts',
  'test/e2e/admin.test.ts',
  'test/e2e/usage-restart.test.ts',
];
// The credential × route matrix: against the cluster (auth on, as in production) and against a
// single node of its own with auth on (the single-node project's runs without, as `chroma run`);
// compaction changes nothing it checks, so not in e2e-compacting.
const AUTH_SUITE = 'test/e2e/auth.test.ts';
// Two gateways behind one control plane, and the official clients against a key-protected
// cluster: e2e only.
const CLUSTER_AUTH_SUITE = 'test/e2e/auth-cluster.test.ts';
// The accounts flow across the cluster's two gateways, mailing through the shared catcher (the
// single-node project runs it on a node of the accounts suite's own): e2e only.
const CLUSTER_ACCOUNTS_SUITE = 'test/e2e/accounts-cluster.test.ts';
// Plans through the admin API: against the cluster (auth on, two gateways) and a single node of
// its own with auth on; compaction changes nothing it checks.
const PLANS_SUITE = 'test/e2e/plans.test.ts';

// The container image runs the single-node e2e list against the single-node container, less the
// suites that start a deployment of their own (they test that, not the project's target).
const IMAGE_EXCLUDED_SUITES = [
  ...OWN_CLUSTER_SUITES,
  ...OWN_SINGLE_NODE_SUITES,
  AUTH_SUITE,
  CLUSTER_AUTH_SUITE,
  CLUSTER_ACCOUNTS_SUITE,
];

export default defineConfig({
  resolve: { conditions: ['@huedb/source'] },
  ssr: { resolve: { conditions: ['@huedb/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.test.ts',
            'services/*/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          // The e2e suites need a HueDB deployment: they run in the e2e projects below; the image
          // suites need the container image (the e2e-image project); the chart's, helm (below).
          exclude: ['test/e2e/**', 'test/image/**', 'test/helm/**', '**/node_modules/**'],
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // The same e2e suites against each deployment shape (global setups in packages/testing/src/setup/).
      ...[
        ['e2e', 'packages/testing/src/setup/cluster.ts'],
        ['e2e-compacting', 'packages/testing/src/setup/cluster-compacting.ts'],
        ['e2e-single-node', 'packages/testing/src/setup/single-node.ts'],
      ].map(([name, setup]) => ({
        extends: true as const,
        test: {
          name,
          include: ['test/e2e/**/*.test.ts'],
          // Suites that start their own cluster (crashes, log limits, compaction on demand) do
          // not depend on the project's target: they run once, in the first project.
          exclude: [
            ...(name === 'e2e'
              ? []
              : [...OWN_CLUSTER_SUITES, CLUSTER_AUTH_SUITE, CLUSTER_ACCOUNTS_SUITE]),
            ...(name === 'e2e-single-node' ? [] : OWN_SINGLE_NODE_SUITES),
            ...(name === 'e2e-compacting' ? [AUTH_SUITE, PLANS_SUITE] : []),
          ],
          globalSetup: [setup!, 'packages/testing/src/setup/reference-chroma.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      })),
      // The container image (deploy/docker): its lifecycle, and the single-node e2e suites against
      // the single-node container. The image builds in a private Docker engine, DOCKER_HOST set for
      // the docker CLI only, so the other projects keep their infrastructure provider.
      {
        extends: true,
        test: {
          name: 'e2e-image',
          include: ['test/image/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: [...IMAGE_EXCLUDED_SUITES, '**/node_modules/**'],
          globalSetup: [
            'packages/testing/src/setup/image.ts',
            'packages/testing/src/setup/reference-chroma.ts',
          ],
          testTimeout: 120_000,
          // The first build of the image on a new machine (base rootfs, toolchain, install) is
          // minutes; image.sh caches every layer in ~/.cache/huedb/docker.
          hookTimeout: 40 * 60_000,
        },
      },
      // The Helm chart (helm/huedb): lint, offline schema validation and rendered objects. Its
      // first run on a machine builds helm from the Go module proxy (scripts/ensure-helm.sh).
      {
        extends: true,
        test: {
          name: 'helm',
          include: ['test/helm/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 30 * 60_000,
        },
      },
    ],
  },
});
