/**
 * The gateway process: Chroma's HTTP API v2 (and /metrics) over gRPC backends; on SIGTERM/SIGINT
 * stops accepting, finishes in-flight requests, then closes the channels. Settings:
 * docs/configuration.md.
 */
import { hostname } from 'node:os';
import { startHeartbeat } from '@huedb/core';
import { runService, type Logger } from '@huedb/service';
import { createGatewayApp } from './app.js';
import { GrpcBackends } from './backends/grpc-backends.js';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { CollectionConcurrency } from './plans/collection-concurrency.js';
import { loadPlans } from './plans/plan-book.js';

/** How often a gateway beats and counts its peers (for the concurrency shares). */
const PEER_POLL_MS = 2000;

/**
 * Auth on with no admin token still starts (decision 0026): an operator who bootstrapped keys
 * and then removed the god credential must not be forced to keep it; but say what works.
 */
function warnAboutAuth(config: GatewayConfig, log: Logger): void {
  if (!config.auth) {
    log.warn('HUEDB_AUTH=false: every caller may do everything, on every tenant');
  } else if (!config.adminToken) {
    log.warn(
      'HUEDB_AUTH is on and HUEDB_ADMIN_TOKEN is not set: only API keys (from signup or the control plane) are accepted; nobody can create tenants or reset',
    );
  }
}

await runService({
  name: 'gateway',
  load: loadGatewayConfig,
  async start(config, { log, onClose }) {
    warnAboutAuth(config, log);
    const backends = new GrpcBackends(config, log);
    onClose(() => backends.close());
    // The `pro` plan for tenants without one unless HUEDB_PLAN says otherwise; a plan name the
    // book does not hold stops the start here.
    const app = await createGatewayApp(backends, config, loadPlans(config), { log });
    await app.listen(config.port, config.host);
    onClose(() => app.close());
    const bound = app.getHttpServer().address();
    const port = typeof bound === 'object' && bound ? bound.port : config.port;
    onClose(
      await shareLimitsWithPeers(app.get(CollectionConcurrency), backends, config, port, log),
    );
    return `gateway listening on http://${config.host}:${port}`;
  },
});

/**
 * The gateways' per-collection concurrency limits are shares (CollectionConcurrency): this
 * gateway heartbeats into the catalog's membership as role `gateway` and counts the live ones
 * every 2 s. Returns what stops both.
 */
async function shareLimitsWithPeers(
  slots: CollectionConcurrency,
  backends: GrpcBackends,
  config: GatewayConfig,
  port: number,
  log: Logger,
): Promise<() => void> {
  const member = {
    role: 'gateway',
    id: `gateway-${hostname()}-${port}-${process.pid}`,
    address: `${config.host}:${port}`,
  };
  const stopHeartbeat = await startHeartbeat(backends.catalog, member, PEER_POLL_MS, (err) =>
    log.warn({ err }, 'membership: gateway heartbeat failed'),
  );
  const count = () =>
    backends.catalog
      .listMembers({ role: 'gateway', maxAgeMs: BigInt(config.memberMaxAgeMs) })
      .then((res) => slots.setGateways(res.members.length))
      // The last count stays; a share that is briefly too large is the cost of an outage.
      .catch((err: unknown) => log.warn({ err }, 'membership: gateways not counted'));
  await count();
  const timer = setInterval(() => void count(), PEER_POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    stopHeartbeat();
  };
}
