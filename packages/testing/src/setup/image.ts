import type { TestProject } from 'vitest/node';
import { AGGRESSIVE_COMPACTION } from '../cluster-setup.js';
import { ImageContainer } from '../image.js';

/**
 * e2e global setup: single-node HueDB as the container image runs it (deploy/docker/image.sh builds
 * it in a private engine; read-only root filesystem, data in a volume), compacting aggressively —
 * the e2e-single-node deployment, shipped as the image.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const node = await ImageContainer.start({
    env: { ...AGGRESSIVE_COMPACTION, HUEDB_PLAN: 'unlimited' },
  });
  console.log(
    `[huedb/testing] single-node image ${node.image.tag} (${node.image.id.slice(0, 19)}) up in ${Date.now() - started} ms at ${node.url}`,
  );
  project.provide('huedbGateways', [node.url]);
  project.provide('huedbCompaction', 'aggressive');
  project.provide('huedbLimits', 'unlimited');
  return async () => {
    await node.stop();
    await node.remove();
  };
}
