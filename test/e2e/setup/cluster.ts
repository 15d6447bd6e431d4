import type { TestProject } from 'vitest/node';
import { setupClusterTarget } from '@huedb/testing';

/** e2e against a cluster with no compactor: every read is served from the log's tail. */
export default (project: TestProject) => setupClusterTarget(project, { compaction: 'off' });
