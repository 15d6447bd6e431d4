import type { DescService } from '@bufbuild/protobuf';
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES, toGrpcDefinition } from './definition.js';
import { RpcError } from './rpc-error.js';
import type { CallOptions, ServiceClient } from './types.js';

/** Client-wide options. */
export interface ClientOptions {
  /** Deadline of each call unless the call sets one (milliseconds). Default 30 s. */
  timeoutMs?: number;
}

type UnaryInvoker = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, response: unknown) => void,
) => { cancel(): void };

/**
 * A typed client for `service` at `address` ("host:port"). Every failure rejects with an RpcError
 * carrying the gRPC status code, so callers switch on codes, never on grpc-js internals.
 */
export function createClient<S extends DescService>(
  service: S,
  address: string,
  options: ClientOptions = {},
): ServiceClient<S> {
  const defaultTimeout = options.timeoutMs ?? 30_000;
  const Ctor = makeGenericClientConstructor(toGrpcDefinition(service), service.name);
  const client: Client = new Ctor(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const api: Record<string, unknown> = { close: () => client.close() };
  for (const method of service.methods) {
    const invoke = (client as unknown as Record<string, UnaryInvoker>)[method.localName]!.bind(
      client,
    );
    api[method.localName] = (request: unknown, callOptions: CallOptions = {}) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (callOptions.timeoutMs ?? defaultTimeout));
        const signal = callOptions.signal;
        if (signal?.aborted) {
          reject(new RpcError(status.CANCELLED, 'cancelled before the call started'));
          return;
        }
        const onAbort = () => call.cancel();
        const call = invoke(request, new Metadata(), { deadline }, (err, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(new RpcError(err.code, err.details || err.message));
          else resolve(response);
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      });
  }
  return api as ServiceClient<S>;
}
