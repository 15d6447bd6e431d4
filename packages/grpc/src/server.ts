import type { DescService } from '@bufbuild/protobuf';
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES, toGrpcDefinition } from './definition.js';
import { Code, rpcErrorOf } from './rpc-error.js';
import type { CallContext, ServiceHandlers } from './types.js';

/** Server-wide options. */
export interface GrpcServerOptions {
  /** Called with every error a handler throws that is not an RpcError (answered as INTERNAL). */
  onInternalError?: (method: string, err: unknown) => void;
}

/** A grpc-js server with HueDB's message-size limits. */
export function createGrpcServer(): Server {
  return new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
}

/**
 * Registers handlers for every RPC of `service` on `server`. An RpcError or a HueDB domain error
 * thrown by a handler is answered with its code ({@link rpcErrorOf}); anything else becomes INTERNAL (and is reported to onInternalError), so
 * a bug never leaks a stack trace to a caller but is never silent either.
 */
export function addService<S extends DescService>(
  server: Server,
  service: S,
  handlers: ServiceHandlers<S>,
  options: GrpcServerOptions = {},
): void {
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, ServiceHandlers<S>[keyof ServiceHandlers<S>]>)[
      method.localName
    ];
    if (!handler) throw new Error(`no handler for ${service.typeName}.${method.name}`);
    const fullName = `${service.typeName}.${method.name}`;
    implementation[method.localName] = (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const context: CallContext = { signal: abort.signal, peer: call.getPeer() };
      handler(call.request as never, context).then(
        (response) => callback(null, response),
        (err: unknown) => {
          const known = rpcErrorOf(err);
          if (known) {
            callback({ code: known.code, details: known.message });
            return;
          }
          options.onInternalError?.(fullName, err);
          const message = err instanceof Error ? err.message : String(err);
          callback({ code: Code.INTERNAL, details: `${fullName}: ${message}` });
        },
      );
    };
  }
  server.addService(toGrpcDefinition(service), implementation);
}

/**
 * Binds `server` to `address` ("host:port"; port 0 picks a free one) without TLS, which internal
 * traffic terminates at the mesh, and returns the bound port.
 */
export function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(err);
      else resolve(port);
    });
  });
}
