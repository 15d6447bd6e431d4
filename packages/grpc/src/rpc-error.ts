import { status } from '@grpc/grpc-js';

/** gRPC status codes (re-exported so services need not import @grpc/grpc-js). */
export const Code = status;
/** A gRPC status code. */
export type Code = status;

/**
 * An error that crosses the wire with its status code and message intact. Handlers throw it to
 * answer with a specific code; clients receive it for every failed call. Anything else a handler
 * throws is answered as INTERNAL.
 */
export class RpcError extends Error {
  constructor(
    /** The gRPC status code. */
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  /** True when `err` is an RpcError with the given code. */
  static is(err: unknown, code: Code): err is RpcError {
    return err instanceof RpcError && err.code === code;
  }
}
