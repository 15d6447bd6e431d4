import { describe, expect, it } from 'vitest';
import { CLUSTER_PUBLIC_URL, getGatewayUrls, getInfra } from '@huedb/testing';
import { runAccountsFlow } from './accounts-flow.js';

/*
 * Issue 11's flow on the shared e2e cluster (auth on, as in production): signup and verify on
 * gateway 0, the mail caught by the run's SMTP catcher, records written with the first key on
 * gateway 1 and read on gateway 0, the session and its keys on both, another account refused.
 * The single-node-only cases (invite-only, no verification, the login limit) stay in
 * accounts.test.ts, on nodes configured for them.
 */
describe('accounts on the cluster: signup to first read across two gateways', () => {
  it('signup → mail → verify → first key → write on gateway 1, read on gateway 0 → session keys → strangers refused', async () => {
    const urls = getGatewayUrls();
    expect(urls.length).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    await runAccountsFlow({ urls, mail: getInfra().mail, publicUrl: CLUSTER_PUBLIC_URL });
    console.log(
      `[accounts-cluster] the flow took ${Date.now() - started} ms on ${urls.length} gateways`,
    );
  });
});
