import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getGatewayUrls } from '@huedb/testing';
import { http } from './support.js';

/** HUEDB_LOGIN_ATTEMPTS_PER_ACCOUNT's default (the deployments under test do not set it). */
const PER_ACCOUNT = 10;

/**
 * The login limit is counted by the control plane, not per gateway
 * (docs/decisions/0027-shared-rate-limits.md): failed logins spread over every gateway of the
 * deployment (two in the cluster) use up ONE account's attempts, and then every gateway refuses.
 */
describe('login limit across gateways', () => {
  it(`refuses an account on every gateway after ${PER_ACCOUNT} failures spread over them`, async () => {
    const gateways = getGatewayUrls().length;
    // Unknown addresses count like wrong passwords (one answer for both): no signup needed.
    const email = `guess-${randomUUID()}@example.com`;
    const login = (i: number) =>
      http('POST', '/api/v2/accounts/login', { email, password: 'wrong password' }, { gateway: i });
    for (let i = 0; i < PER_ACCOUNT; i++) {
      expect((await login(i)).status, `attempt ${i + 1} on gateway ${i % gateways}`).toBe(401);
    }
    for (let i = 0; i < gateways; i++) {
      const refused = await login(i);
      expect(refused).toMatchObject({
        status: 429,
        body: { error: 'RateLimitError', message: 'Too many failed logins: try again later' },
      });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
