/**
 * The HueDB gateway: Chroma's HTTP API v2 over the catalog, the log and query nodes.
 * Single-node mode builds it with in-process backends through {@link createGatewayApp}.
 */
export { createGatewayApp, type GatewayAppOptions } from './app.js';
export type { Backends } from './backends/backends.js';
export { GrpcBackends } from './backends/grpc-backends.js';
export { gatewaySettings, loadGatewayConfig, type GatewayConfig } from './config.js';
export { loadPlans, PlanBook } from './plans/plan-book.js';
export { fixedPlans, type Plans } from './plans/tenant-plans.js';
export { AnonymousAuthenticator, type Authenticator } from './context/authenticator.js';
export { ANONYMOUS, type Principal, type RequestContext } from './context/request-context.js';
