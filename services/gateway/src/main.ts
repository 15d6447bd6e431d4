import { LIMIT_PROFILES } from '@huedb/core';
import { createGatewayApp } from './app.js';
import { GrpcBackends } from './backends/grpc-backends.js';
import { loadGatewayConfig } from './config.js';

const config = loadGatewayConfig();
const backends = new GrpcBackends(config);
// Hosted Chroma's limits unless HUEDB_LIMITS says otherwise (see GatewayConfig.limits).
const app = await createGatewayApp(backends, config, LIMIT_PROFILES[config.limits]);
await app.listen(config.port, config.host);
console.log(`huedb gateway listening on http://${config.host}:${config.port}`);

// SIGTERM/SIGINT: stop accepting, finish in-flight requests, then close the gRPC channels.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().finally(() => backends.close());
  });
}
