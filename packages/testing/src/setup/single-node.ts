import type { TestProject } from 'vitest/node';
import { AGGRESSIVE_COMPACTION } from '../cluster-setup.js';
import { SingleNodeProcess } from '../single-node.js';

/**
 * e2e global setup: single-node HueDB (PGlite, local WAL, filesystem segments) as one process,
 * compacting aggressively. No Postgres, Kafka or MinIO is involved.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const node = await SingleNodeProcess.start({
    env: { ...AGGRESSIVE_COMPACTION, HUEDB_PLAN: 'unlimited' },
  });
  console.log(
    `[huedb/testing] single-node up in ${Date.now() - started} ms at ${node.url} (data ${node.dataDir})`,
  );
  project.provide('huedbGateways', [node.url]);
  project.provide('huedbCompaction', 'aggressive');
  project.provide('huedbLimits', 'unlimited');
  return () => node.kill('SIGTERM');
}
