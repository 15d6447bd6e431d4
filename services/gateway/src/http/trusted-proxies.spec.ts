import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PRO_LIMITS } from '@huedb/core';
import { createLogger } from '@huedb/service';
import { createGatewayApp } from '../app.js';
import { fakeBackends } from '../backends/fake-backends.js';
import { loadGatewayConfig } from '../config.js';
import { fixedPlans } from '../plans/tenant-plans.js';
import { isProxyEntry } from './trusted-proxies.js';

describe('HUEDB_TRUSTED_PROXIES', () => {
  it('takes addresses, CIDR ranges and the named ranges; nothing else', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback', 'uniquelocal']) {
      expect(isProxyEntry(ok), ok).toBe(true);
    }
    for (const bad of ['10.0.0', '10.0.0.0/33', '::/129', 'lb.internal', '10.0.0.0/', '*']) {
      expect(isProxyEntry(bad), bad).toBe(false);
    }
    expect(loadGatewayConfig({}).trustedProxies).toBeUndefined();
    expect(
      loadGatewayConfig({ HUEDB_TRUSTED_PROXIES: ' 10.0.0.0/8, ::1 ' }).trustedProxies,
    ).toEqual(['10.0.0.0/8', '::1']);
    expect(() => loadGatewayConfig({ HUEDB_TRUSTED_PROXIES: '10.0.0.0/8,nope' })).toThrow(
      /HUEDB_TRUSTED_PROXIES/,
    );
  });

  it("logs the client's address from a trusted hop's X-Forwarded-For, else the socket's", async () => {
    const lines: { msg: string; client?: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as { msg: string; client?: string });
        done();
      },
    });
    const config = loadGatewayConfig({ HUEDB_TRUSTED_PROXIES: '10.0.0.0/8' });
    const log = createLogger({ service: 'gateway', pretty: false, destination });
    const app = await createGatewayApp(fakeBackends(), config, fixedPlans(PRO_LIMITS), { log });
    await app.init();
    const heartbeat = (remoteAddress: string, forwardedFor: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v2/heartbeat',
        remoteAddress,
        headers: { 'x-forwarded-for': forwardedFor },
      });
    // Two trusted hops; the client forged the leftmost entry.
    await heartbeat('10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.1');
    await heartbeat('198.51.100.9', '203.0.113.7');
    await app.close();
    const clients = lines.filter((l) => l.msg === 'request').map((l) => l.client);
    expect(clients).toEqual(['203.0.113.7', '198.51.100.9']);
  });
});
