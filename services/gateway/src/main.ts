/**
 * The gateway process: Chroma's HTTP API v2 (and /metrics) over gRPC backends; on SIGTERM/SIGINT
 * stops accepting, finishes in-flight requests, then closes the channels. Settings:
 * docs/configuration.md.
 */
import { runService, type Logger } from '@huedb/service';
import { createGatewayApp } from './app.js';
import { GrpcBackends } from './backends/grpc-backends.js';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { loadPlans } from './plans/plan-book.js';

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
    return `gateway listening on http://${config.host}:${port}`;
  },
});
