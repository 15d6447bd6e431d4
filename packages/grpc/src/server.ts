import type { DescService } from '@bufbuild/protobuf';
import {
  Server,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES, toGrpcDefinition } from './definition.js';
import { context as otelContext } from '@opentelemetry/api';
import { Code, rpcErrorOf } from './rpc-error.js';
import { readScope, runInScope, type RequestScope } from './scope.js';
import { serverCredentials, type TlsOptions } from './tls.js';
import { endSpan, startServerSpan } from './tracing.js';
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
      const { span, context: traceContext } = startServerSpan(
        service.typeName,
        method.name,
        call.metadata,
      );
      const answer = (code: number, details: string, response?: unknown) => {
        endSpan(span, code, details);
        if (code === Code.OK) callback(null, response);
        else callback({ code, details });
      };
      let scope: RequestScope;
      try {
        scope = readScope(call.metadata, deadlineOf(call.getDeadline()));
      } catch (err) {
        const known = rpcErrorOf(err)!;
        answer(known.code, known.message);
        return;
      }
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const context: CallContext = { ...scope, signal: abort.signal, peer: call.getPeer() };
      // The handler, and every call it makes downstream, runs in the call's scope and span.
      otelContext
        .with(traceContext, () => runInScope(scope, () => handler(call.request as never, context)))
        .then(
          (response) => answer(Code.OK, '', response),
          (err: unknown) => {
            const known = rpcErrorOf(err);
            if (known) {
              answer(known.code, known.message);
              return;
            }
            options.onInternalError?.(fullName, err);
            const message = err instanceof Error ? err.message : String(err);
            answer(Code.INTERNAL, `${fullName}: ${message}`);
          },
        );
    };
  }
  server.addService(toGrpcDefinition(service), implementation);
}

/** grpc-js gives a Date, or Infinity for a call without a deadline. */
function deadlineOf(deadline: Date | number): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  /** Serve TLS (and require client certificates when it says so); plaintext without. */
  tls?: TlsOptions | undefined;
}

/**
 * Binds `server` to `address` ("host:port"; port 0 picks a free one) and returns the bound port.
 * Plaintext unless `tls` is given (HUEDB_GRPC_TLS_* in the services): a deployment either
 * terminates TLS in a mesh or sets it here (docs/decisions/0017-grpc-tls.md).
 */
export function listen(
  server: Server,
  address: string,
  options: ListenOptions = {},
): Promise<number> {
  const credentials = serverCredentials(options.tls);
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (err) reject(err);
      else resolve(port);
    });
  });
}
