/**
 * Serve and call HueDB's internal gRPC services with @grpc/grpc-js, using the protobuf-es schemas
 * generated in @huedb/proto. Handlers and clients are typed from the service descriptor, so no
 * message type is written by hand and no .proto is loaded at run time.
 */
export { RpcError, Code, codeName, rpcErrorOf } from './rpc-error.js';
export {
  createGrpcServer,
  addService,
  listen,
  type GrpcServerOptions,
  type ListenOptions,
} from './server.js';
export type { ServiceHandlers, ServiceClient, CallOptions, CallContext } from './types.js';
export { createClient, isRetryable, type ClientOptions } from './client.js';
export {
  currentScope,
  runInScope,
  readScope,
  writeScope,
  outgoingDeadline,
  validRequestId,
  SCOPE_KEYS,
  type Principal,
  type RequestScope,
} from './scope.js';
export type { TlsOptions } from './tls.js';
export { inProcessClient } from './in-process.js';
export { firstAvailable, PULL_PAGE_RECORDS, type FailoverOptions } from './failover.js';
export { toGrpcDefinition, MAX_MESSAGE_BYTES } from './definition.js';
/** The span helpers the client and server use (for a transport of its own, and the bench). */
export { startClientSpan, injectTraceContext, startServerSpan, endSpan } from './tracing.js';
