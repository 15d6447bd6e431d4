/**
 * Real infrastructure for HueDB's integration tests: Postgres, Kafka and S3 from the environment
 * (TEST_INFRA=external), from testcontainers where a Docker engine answers, or otherwise from
 * deploy/local's processes. A test that needs a component that cannot be provided fails.
 */
import { inject } from 'vitest';
import { tokenHeaders } from './cluster.js';
import type { TestInfra } from './infra.js';

export type { TestInfra, S3Endpoint, MailCatcher, ProviderName } from './infra.js';
export { INFRA_ENV, infraFromVariables, parseKeyValueLines } from './infra.js';
export { uniqueName } from './names.js';
export {
  CLUSTER_PUBLIC_URL,
  LocalCluster,
  tokenHeaders,
  type ClusterOptions,
  type Role,
} from './cluster.js';
export { SingleNodeProcess } from './single-node.js';
export { ImageContainer, ensureImage, docker, type BuiltImage } from './image.js';
export { setupClusterTarget, AGGRESSIVE_COMPACTION, type CompactionMode } from './cluster-setup.js';
export { freePort, answers } from './ports.js';
export { generateTestPki, type TestPki } from './certs.js';
export { ReferenceChroma } from './reference-chroma.js';
export { chooseProvider, provideInfra, type ProvidedInfra } from './provide.js';
export {
  REFERENCE_CHROMA_VERSION,
  chromaEnv,
  ensureChromaVenv,
  run as runCommand,
  type ChromaVenv,
} from './chroma-venv.js';

/**
 * The plan an e2e deployment's tenants have (its gateways' HUEDB_PLAN): the cluster's `pro`
 * (hosted Chroma's request limits), single-node's `unlimited`, as `chroma run`.
 */
export type DeploymentLimits = 'pro' | 'unlimited';

declare module 'vitest' {
  export interface ProvidedContext {
    huedbInfra: TestInfra;
    huedbGateways: string[];
    referenceChroma: string;
    /** Whether the e2e target compacts ('aggressive') or serves everything from the log ('off'). */
    huedbCompaction: 'off' | 'aggressive';
    huedbLimits: DeploymentLimits;
    /** The deployment's HUEDB_ADMIN_TOKEN when it runs with auth on (the cluster); else unset. */
    huedbAdminToken: string | undefined;
    /** The cluster catalog's gRPC address (its control plane); unset on single-node. */
    huedbCatalog: string | undefined;
  }
}

/** The run's infrastructure, inside a test of the integration project. */
export function getInfra(): TestInfra {
  const infra = inject('huedbInfra');
  if (!infra) {
    throw new Error('no infrastructure: run this test in the "integration" vitest project');
  }
  return infra;
}

/** How the e2e target compacts (e2e projects only). */
export function getCompactionMode(): 'off' | 'aggressive' {
  const mode = inject('huedbCompaction');
  if (!mode) throw new Error('no cluster: run this test in an e2e vitest project');
  return mode;
}

/** Base URLs of the e2e cluster's gateways (e2e project only). */
export function getGatewayUrls(): string[] {
  const urls = inject('huedbGateways');
  if (!urls || urls.length === 0) {
    throw new Error('no cluster: run this test in the "e2e" vitest project');
  }
  return urls;
}

/**
 * The e2e deployment's admin token: set on the cluster (auth on, as in production), undefined on
 * single-node (auth off, as `chroma run`).
 */
export function getAdminToken(): string | undefined {
  return inject('huedbAdminToken');
}

/** The headers that carry the e2e deployment's admin token (none when it runs without auth). */
export function adminHeaders(): Record<string, string> {
  return tokenHeaders(getAdminToken());
}

/** The e2e cluster catalog's gRPC address, or undefined on a deployment without one. */
export function getCatalogAddress(): string | undefined {
  return inject('huedbCatalog');
}

/** Base URL of the reference `chroma run` started beside the e2e deployment. */
export function getReferenceChromaUrl(): string {
  const url = inject('referenceChroma');
  if (!url) throw new Error('no reference chroma: run this test in an e2e vitest project');
  return url;
}

/** The plan limits the e2e deployment under test enforces (e2e projects only). */
export function getDeploymentLimits(): DeploymentLimits {
  const limits = inject('huedbLimits');
  if (!limits) throw new Error('no deployment: run this test in an e2e vitest project');
  return limits;
}
export { waitForMail, type CaughtMail } from './mailpit.js';
