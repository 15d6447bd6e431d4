import { afterAll, describe, it } from 'vitest';
import { AGGRESSIVE_COMPACTION, SingleNodeProcess } from '@huedb/testing';
import { expectUsage, runWorkload, type UsageTarget } from './usage-workload.js';

/*
 * Metering survives a restart: a node that reports only every 10 minutes is stopped (SIGTERM)
 * right after a workload — what it counted is reported on the way down — and after it starts
 * again on the same data the totals are exact, and a second workload adds to them.
 */
describe('usage metering across a restart', () => {
  let node: SingleNodeProcess | undefined;
  afterAll(async () => {
    await node?.kill('SIGTERM');
  });

  it('reports on shutdown, and the totals after the restart equal what was done', async () => {
    const env = { ...AGGRESSIVE_COMPACTION, HUEDB_USAGE_FLUSH_MS: String(10 * 60_000) };
    node = await SingleNodeProcess.start({ env });
    const target: UsageTarget = { urls: [node.url], token: undefined };
    const first = await runWorkload(target);
    await node.kill('SIGTERM');
    node = await SingleNodeProcess.start({ dataDir: node.dataDir, env });
    target.urls = [node.url];
    await expectUsage(target, first, { compacting: true });
    const second = await runWorkload(target);
    await expectUsage(target, second, { compacting: true });
    // The first tenant's figures did not move.
    await expectUsage(target, first, { compacting: true, deadlineMs: 0 });
  });
});
