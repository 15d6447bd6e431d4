import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRO_LIMITS } from '@huedb/core';
import { Code, inProcessClient, RpcError } from '@huedb/grpc';
import { CatalogService } from '@huedb/proto/catalog';
import { ControlService } from '@huedb/proto/control';
import { createCatalogHandlers, createControlHandlers, openPGliteCatalog } from '@huedb/catalog';
import { createGatewayApp, fixedPlans, loadGatewayConfig, type Backends } from '@huedb/gateway';

type NestFastifyApplication = Awaited<ReturnType<typeof createGatewayApp>>;

/**
 * Two gateway apps on ONE control plane (an in-memory PGlite catalog, in-process clients) share
 * the login limits (docs/decisions/0027-shared-rate-limits.md), and the per-address limit sees
 * the client behind a trusted proxy (HUEDB_TRUSTED_PROXIES), not the proxy, nor what a client
 * wrote into X-Forwarded-For itself.
 */
describe('login limits shared by two gateways, per client behind trusted proxies', () => {
  const PER_ACCOUNT = 4;
  const PER_ADDRESS = 6;
  const PROXY = '10.1.2.3';
  let catalog: Awaited<ReturnType<typeof openPGliteCatalog>>;
  let gateways: NestFastifyApplication[] = [];

  const config = {
    ...loadGatewayConfig({}),
    emailVerification: false,
    loginAttemptsPerAccount: PER_ACCOUNT,
    loginAttemptsPerAddress: PER_ADDRESS,
    trustedProxies: ['10.0.0.0/8'],
  };

  async function gatewayOn(control: Backends['control']): Promise<NestFastifyApplication> {
    const backends: Backends = {
      catalog: inProcessClient(CatalogService, createCatalogHandlers(catalog.service)),
      control,
      logsFor: () => {
        throw new Error('no log service in this test');
      },
      queryNodesFor: () => Promise.resolve([]),
      close: () => {},
    };
    const app = await createGatewayApp(backends, config, fixedPlans(PRO_LIMITS));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    gateways.push(app);
    return app;
  }

  /** A login through `app` from `remoteAddress`, with an X-Forwarded-For header if given. */
  async function login(
    app: NestFastifyApplication,
    email: string,
    password: string,
    remoteAddress: string,
    forwardedFor?: string,
    forwardedProto?: string,
  ) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2/accounts/login',
      remoteAddress,
      headers: {
        'content-type': 'application/json',
        ...(forwardedFor && { 'x-forwarded-for': forwardedFor }),
        ...(forwardedProto && { 'x-forwarded-proto': forwardedProto }),
      },
      payload: JSON.stringify({ email, password }),
    });
    return {
      status: res.statusCode,
      retryAfter: res.headers['retry-after'],
      cookies: String(res.headers['set-cookie'] ?? ''),
      body: res.json<{ error: string; message: string }>(),
    };
  }

  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  beforeAll(async () => {
    catalog = await openPGliteCatalog(undefined);
    const control = () => inProcessClient(ControlService, createControlHandlers(catalog.control));
    a = await gatewayOn(control());
    b = await gatewayOn(control());
  });
  afterAll(async () => {
    for (const app of gateways) await app.close();
    gateways = [];
    await catalog?.close();
  });

  it('counts an account’s attempts across both gateways, right password refused once used up', async () => {
    const email = 'shared@example.com';
    const password = 'correct horse battery';
    const signup = await a.inject({
      method: 'POST',
      url: '/api/v2/accounts/signup',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email, password }),
    });
    expect(signup.statusCode).toBe(201);
    // A right password gives its attempt back: it does not count. Through a trusted proxy that
    // says it took TLS, the cookies are Secure; from anyone else the header means nothing.
    const viaProxy = await login(b, email, password, PROXY, '192.0.2.1', 'https');
    expect(viaProxy.status).toBe(200);
    expect(viaProxy.cookies).toMatch(/Secure/);
    const direct = await login(a, email, password, '192.0.2.1', undefined, 'https');
    expect(direct.status).toBe(200);
    expect(direct.cookies).not.toMatch(/Secure/);
    for (let i = 0; i < PER_ACCOUNT; i++) {
      const gateway = i % 2 === 0 ? a : b;
      expect((await login(gateway, email, 'wrong password!', `192.0.2.${10 + i}`)).status).toBe(
        401,
      );
    }
    for (const gateway of [a, b]) {
      const refused = await login(gateway, email, password, '192.0.2.99');
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        error: 'RateLimitError',
        message: 'Too many failed logins: try again later',
      });
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    }
  });

  it('counts per client behind a trusted proxy, ignoring what the client forged in the chain', async () => {
    const client = '203.0.113.7';
    for (let i = 0; i < PER_ADDRESS; i++) {
      // Each attempt claims another origin at the left of the chain; the proxy appends the real one.
      const forged = `198.18.0.${i}, ${client}`;
      const gateway = i % 2 === 0 ? a : b;
      const res = await login(gateway, `nobody${i}@example.com`, 'whatever pw', PROXY, forged);
      expect(res.status).toBe(401);
    }
    const refused = await login(b, 'nobody-else@example.com', 'whatever pw', PROXY, client);
    expect(refused.status).toBe(429);
    // Another client through the same proxy is its own address, not the proxy's.
    expect(
      (await login(a, 'nobody-else@example.com', 'whatever pw', PROXY, '203.0.113.8')).status,
    ).toBe(401);
    // A hop that is not trusted: its header is ignored and the hop itself is the client.
    expect(
      (await login(a, 'nobody-else@example.com', 'whatever pw', '198.51.100.9', client)).status,
    ).toBe(401);
  });

  it('refuses logins with 503 when the control plane cannot count them (fails closed)', async () => {
    const real = inProcessClient(ControlService, createControlHandlers(catalog.control));
    const down = new Proxy(real, {
      get: (target, property) =>
        property === 'consumeRateLimit'
          ? () => Promise.reject(new RpcError(Code.UNAVAILABLE, 'catalog unreachable'))
          : (Reflect.get(target, property) as unknown),
    });
    const c = await gatewayOn(down);
    const res = await login(c, 'shared2@example.com', 'whatever pw', '192.0.2.200');
    expect(res.status).toBe(503);
    expect(res.body.message).toBe('Login is unavailable right now: try again later');
    expect(JSON.stringify(res.body)).not.toContain('catalog unreachable');
  });
});
