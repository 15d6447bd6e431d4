import type { TestProject } from 'vitest/node';
import { setupClusterTarget } from '../cluster-setup.js';

/** e2e global setup: a cluster with no compactor; every read is served from the log's tail. */
export default (project: TestProject) => setupClusterTarget(project, { compaction: 'off' });
