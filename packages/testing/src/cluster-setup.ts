import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { LocalCluster } from './cluster.js';
import { provideInfra } from './provide.js';

/** Compactor settings of an e2e target. */
export type CompactionMode = 'off' | 'aggressive';

/** Environment of a compactor that compacts almost every write, for tests. */
export const AGGRESSIVE_COMPACTION: Record<string, string> = {
  HUEDB_COMPACTION_MIN_RECORDS: '3',
  HUEDB_COMPACTION_MAX_AGE_MS: '300',
  HUEDB_COMPACTION_POLL_MS: '200',
  HUEDB_SEGMENT_GC_GRACE_MS: '5000',
};

/**
 * Vitest global setup of an e2e project: real infrastructure plus one HueDB cluster of separate
 * processes (2 gateways, 2 query nodes, 1 log, 1 catalog, and a compactor unless compaction is
 * off) shared by the suite's files, which isolate themselves by collection and tenant names.
 * Gateway URLs reach tests through `getGatewayUrls()`, the admin token through `getAdminToken()`.
 */
export async function setupClusterTarget(
  project: TestProject,
  options: { compaction: CompactionMode },
): Promise<() => Promise<void>> {
  const { infra, release } = await provideInfra();
  project.provide('huedbInfra', infra);
  const started = Date.now();
  const cluster = await LocalCluster.start({
    infra,
    gateways: 2,
    queryNodes: 2,
    compactors: options.compaction === 'off' ? 0 : 1,
    env: {
      compactor: AGGRESSIVE_COMPACTION,
      // Usage reports every second: the usage suite reads each gateway's share soon after.
      gateway: {
        HUEDB_PLAN: 'e2e',
        HUEDB_PLANS_FILE: e2ePlansFile(),
        HUEDB_USAGE_FLUSH_MS: '1000',
      },
    },
  });
  console.log(
    `[huedb/testing] cluster ${cluster.name} (compaction ${options.compaction}) up in ${Date.now() - started} ms: ` +
      `gateways ${cluster.gatewayUrls.join(', ')} (logs in ${cluster.dir})`,
  );
  project.provide('huedbGateways', cluster.gatewayUrls);
  // Every e2e client carries it (the gateways run with auth on, as a real cluster does); suites
  // that make API keys reach the control plane on the catalog.
  project.provide('huedbAdminToken', cluster.adminToken);
  project.provide('huedbCatalog', cluster.addresses('catalog')[0]);
  project.provide('huedbCompaction', options.compaction);
  project.provide('huedbLimits', 'pro');
  return async () => {
    await cluster.stop();
    await release();
  };
}

/**
 * The cluster's default plan, from a plans file (so the file's path is exercised too): `pro`'s
 * request limits (what the limits suite checks) without its request rate, which the suites'
 * bursts against one tenant would otherwise meet (the plans suite tests rates on tenants of its
 * own).
 */
function e2ePlansFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'huedb-plans-')), 'plans.json');
  const plan = { extends: 'pro', requests_per_second: null, request_burst: null };
  writeFileSync(file, JSON.stringify({ plans: { e2e: plan } }));
  return file;
}
