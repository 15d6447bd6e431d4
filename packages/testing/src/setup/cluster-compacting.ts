import type { TestProject } from 'vitest/node';
import { setupClusterTarget } from '../cluster-setup.js';

/**
 * e2e global setup: a cluster whose compactor runs aggressively (every few records, every 200 ms),
 * so reads constantly mix HNSW segments with tails and segment versions change under the suite.
 */
export default (project: TestProject) => setupClusterTarget(project, { compaction: 'aggressive' });
