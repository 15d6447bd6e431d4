import type { DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';

type Methods<S extends DescService> = S['method'];

/** What a handler knows about the call besides its request. */
export interface CallContext {
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
