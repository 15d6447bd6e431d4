import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import {
  makeGenericClientConstructor,
  Metadata,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import {
  ExponentialBackoff,
  handleWhen,
  isTaskCancelledError,
  retry,
  type RetryPolicy,
} from 'cockatiel';
import { MAX_MESSAGE_BYTES, toGrpcDefinition } from './definition.js';
import { Code, RpcError } from './rpc-error.js';
import { currentScope, outgoingDeadline, writeScope, type RequestScope } from './scope.js';
import { clientCredentials, type TlsOptions } from './tls.js';
import { endSpan, injectTraceContext, startClientSpan } from './tracing.js';
import type { CallOptions, ServiceClient } from './types.js';

/** Client-wide options. */
export interface ClientOptions {
  /**
   * Deadline of each call unless the call sets one (milliseconds; HUEDB_RPC_TIMEOUT_MS in the
   * services). Either way a call made while serving a request ends by that request's deadline.
   * Default 30 s.
   */
  timeoutMs?: number | undefined;
  /**
   * How many times a call of a method without side effects (`idempotency_level =
   * NO_SIDE_EFFECTS` in its .proto) is retried after UNAVAILABLE, with jittered exponential
   * backoff, within its deadline. Writes are never retried here. Default 2.
   */
  retries?: number | undefined;
  /** TLS (mutual when the server asks for a certificate); plaintext without. */
  tls?: TlsOptions | undefined;
}

/** The first retry waits about this long (decorrelated jitter grows it up to RETRY_MAX_DELAY_MS). */
const RETRY_INITIAL_DELAY_MS = 25;
const RETRY_MAX_DELAY_MS = 500;

/** One call as its attempts make it. */
interface Attempt {
  request: unknown;
  scope: RequestScope | undefined;
  /** Epoch ms; every attempt shares it, so retries never extend a call. */
  deadline: number;
  span: Span;
  signal: AbortSignal | undefined;
}

type UnaryInvoker = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, response: unknown) => void,
) => { cancel(): void };

/** True for RPCs that read only: retrying one cannot apply anything twice. */
export function isRetryable(method: DescMethod): boolean {
  return method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
}

/**
 * A typed client for `service` at `address` ("host:port"). Every failure rejects with an RpcError
 * carrying the gRPC status code, so callers switch on codes, never on grpc-js internals. Each call
 * carries the active {@link RequestScope} (or the one in its options) in its metadata, the trace
 * context of the active span, and a deadline bounded by the scope's.
 */
export function createClient<S extends DescService>(
  service: S,
  address: string,
  options: ClientOptions = {},
): ServiceClient<S> {
  const defaultTimeout = options.timeoutMs ?? 30_000;
  const Ctor = makeGenericClientConstructor(toGrpcDefinition(service), service.name);
  const client: Client = new Ctor(address, clientCredentials(options.tls), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    ...(options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}),
  });
  const retries = options.retries ?? 2;
  const api: Record<string, unknown> = { close: () => client.close() };
  for (const method of service.methods) {
    const invoke = (client as unknown as Record<string, UnaryInvoker>)[method.localName]!.bind(
      client,
    );
    const once = (call: Attempt) =>
      new Promise<unknown>((resolve, reject) => {
        const { signal } = call;
        if (signal?.aborted) {
          reject(new RpcError(status.CANCELLED, 'cancelled before the call started'));
          return;
        }
        // A retry whose backoff used up the deadline is not sent.
        if (call.deadline <= Date.now()) {
          reject(
            new RpcError(Code.DEADLINE_EXCEEDED, 'the request has no time left for this call'),
          );
          return;
        }
        const metadata = new Metadata();
        writeScope(call.scope, metadata);
        injectTraceContext(call.span, metadata);
        const onAbort = () => pending.cancel();
        const pending = invoke(
          call.request,
          metadata,
          { deadline: new Date(call.deadline) },
          (err, response) => {
            signal?.removeEventListener('abort', onAbort);
            if (err) reject(new RpcError(err.code, err.details || err.message));
            else resolve(response);
          },
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    const policy = isRetryable(method) && retries > 0 ? retryPolicy(retries) : undefined;
    api[method.localName] = async (request: unknown, callOptions: CallOptions = {}) => {
      const scope = callOptions.scope ?? currentScope();
      const deadline = outgoingDeadline(callOptions.timeoutMs ?? defaultTimeout, scope);
      const span = startClientSpan(service.typeName, method.name, address);
      const call: Attempt = { request, scope, deadline, span, signal: callOptions.signal };
      try {
        const response = policy
          ? await policy.execute(({ attempt }) => {
              // attempt counts retries made so far: 0 for the call itself.
              if (attempt > 0) span.addEvent('retry', { attempt });
              return once(call);
            }, callOptions.signal)
          : await once(call);
        endSpan(span, Code.OK);
        return response;
      } catch (caught) {
        // The signal aborted while a retry was backing off: cancelled, as during a call.
        const err = isTaskCancelledError(caught)
          ? new RpcError(Code.CANCELLED, 'cancelled while retrying')
          : caught;
        endSpan(span, err instanceof RpcError ? err.code : Code.UNKNOWN, String(err));
        throw err;
      }
    };
  }
  return api as ServiceClient<S>;
}

/**
 * Retries after UNAVAILABLE (the server was not reached or went away before answering) while the
 * call's deadline allows; every other code is an answer. Backoff is exponential with decorrelated
 * jitter, so callers that failed together do not come back together.
 */
function retryPolicy(retries: number): RetryPolicy {
  return retry(
    handleWhen((err) => RpcError.is(err, Code.UNAVAILABLE)),
    {
      maxAttempts: retries,
      backoff: new ExponentialBackoff({
        initialDelay: RETRY_INITIAL_DELAY_MS,
        maxDelay: RETRY_MAX_DELAY_MS,
      }),
    },
  );
}
