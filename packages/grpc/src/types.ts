import type { DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { RequestScope } from './scope.js';

type Methods<S extends DescService> = S['method'];

/**
 * What a handler knows about the call besides its request: the caller's request scope (request
 * id, principal, deadline; validated before the handler runs) and the call itself. Calls the
 * handler makes carry the same scope without passing it (it is also the active one).
 */
export interface CallContext extends RequestScope {
  /** Aborted when the client cancels or its deadline passes. */
  readonly signal: AbortSignal;
  /** The caller's address, for logs. */
  readonly peer: string;
}

/** One async function per RPC of service S, keyed by the method's local (lowerCamel) name. */
export type ServiceHandlers<S extends DescService> = {
  [K in keyof Methods<S>]: (
    request: MessageShape<Methods<S>[K]['input']>,
    context: CallContext,
  ) => Promise<MessageInitShape<Methods<S>[K]['output']>>;
};

/** Per-call options of a client. */
export interface CallOptions {
  /** Give up after this many milliseconds (DEADLINE_EXCEEDED). Defaults to the client's. */
  timeoutMs?: number;
  /** Cancels the call (CANCELLED). */
  signal?: AbortSignal;
  /**
   * The request scope to send instead of the active one (see `runInScope`): for a caller that
   * starts a request of its own, e.g. a test or a scheduler acting for a tenant.
   */
  scope?: RequestScope;
}

/** One async function per RPC of service S. Failures reject with an RpcError. */
export type ServiceClient<S extends DescService> = {
  [K in keyof Methods<S>]: (
    request: MessageInitShape<Methods<S>[K]['input']>,
    options?: CallOptions,
  ) => Promise<MessageShape<Methods<S>[K]['output']>>;
} & {
  /** Closes the channel; pending calls fail. */
  close(): void;
};
