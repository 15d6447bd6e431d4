/**
 * The gateway process: Chroma's HTTP API v2 (and /metrics) over gRPC backends; on SIGTERM/SIGINT
 * stops accepting, finishes in-flight requests, then closes the channels. Settings:
 * docs/configuration.md.
 */
import { hostname } from 'node:os';
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
    onClose(shareLimitsWithPeers(app.get(CollectionConcurrency), backends, config, port, log));
    return `gateway listening on http://${config.host}:${port}`;
  },
});

/**
 * The gateways' per-collection concurrency limits are shares (CollectionConcurrency): this
 * gateway heartbeats into the catalog's membership as role `gateway` and counts the live ones
 * every 2 s. Never holds up the start (the catalog may come up later); until a count arrives the
 * share is the whole limit. Returns what stops it.
 */
function shareLimitsWithPeers(
  slots: CollectionConcurrency,
  backends: GrpcBackends,
  config: GatewayConfig,
  port: number,
  log: Logger,
): () => void {
  const member = {
    role: 'gateway',
    id: `gateway-${hostname()}-${port}-${process.pid}`,
    address: `${config.host}:${port}`,
  };
  let failing = false;
  const beatAndCount = async () => {
    try {
      await backends.catalog.heartbeat({ member }, { timeoutMs: PEER_POLL_MS });
      const { members } = await backends.catalog.listMembers({
        role: 'gateway',
        maxAgeMs: BigInt(config.memberMaxAgeMs),
      });
      slots.setGateways(members.length);
      failing = false;
    } catch (err) {
      // The last count stays; said once per outage, not every 2 s.
      if (!failing) log.warn({ err }, 'membership: gateway heartbeat or count failed');
      failing = true;
    }
  };
  void beatAndCount();
  const timer = setInterval(() => void beatAndCount(), PEER_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
