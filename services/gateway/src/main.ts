/**
 * The gateway process: Chroma's HTTP API v2 (and /metrics) over gRPC backends; on SIGTERM/SIGINT
 * stops accepting, finishes in-flight requests, then closes the channels. Settings:
 * docs/configuration.md.
 */
import { LIMIT_PROFILES } from '@huedb/core';
import { runService } from '@huedb/service';
import { createGatewayApp } from './app.js';
import { GrpcBackends } from './backends/grpc-backends.js';
import { loadGatewayConfig } from './config.js';

await runService({
  name: 'gateway',
  load: loadGatewayConfig,
  async start(config, { log, onClose }) {
    const backends = new GrpcBackends(config, log);
    onClose(() => backends.close());
    // Hosted Chroma's limits unless HUEDB_LIMITS says otherwise (see GatewayConfig.limits).
    const app = await createGatewayApp(backends, config, LIMIT_PROFILES[config.limits], { log });
    await app.listen(config.port, config.host);
    onClose(() => app.close());
    const bound = app.getHttpServer().address();
    const port = typeof bound === 'object' && bound ? bound.port : config.port;
    return `gateway listening on http://${config.host}:${port}`;
  },
});
