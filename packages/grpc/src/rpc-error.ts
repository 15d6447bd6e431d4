import { GrpcCode, grpcCodeName, grpcCodeOf, isHueDbError } from '@huedb/core';

/**
 * gRPC status codes: core's one table (its numbers are grpc-js's `status`), re-exported so services
 * need not import @grpc/grpc-js or know where the table lives.
 */
export const Code = GrpcCode;
/** A gRPC status code. */
export type Code = GrpcCode;

/** The name of a status code (`NOT_FOUND` for 5): core's {@link grpcCodeName}. */
export const codeName = grpcCodeName;

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

/**
 * The one place a handler's failure becomes a gRPC status (servers and in-process clients both use
 * it): an RpcError keeps its code; a HueDB domain error (core's errors.ts) answers with its kind's
 * code and its own message; `undefined` for anything else, which the caller answers as INTERNAL.
 * @param err - what the handler threw
 */
export function rpcErrorOf(err: unknown): RpcError | undefined {
  if (err instanceof RpcError) return err;
  if (isHueDbError(err)) return new RpcError(grpcCodeOf(err), err.message);
  return undefined;
}
