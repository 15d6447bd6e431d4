/**
 * HueDB's error model. Every failure a client can see is one of the kinds below; each kind knows
 * its HTTP status, the Chroma error name the gateway puts in the `error` field of the body, and the
 * gRPC status code it crosses service boundaries with. Services throw these classes; the gateway
 * turns them into HTTP answers with {@link toHttpError}, gRPC handlers answer with
 * {@link grpcCodeOf}, and gRPC clients rebuild them with {@link fromGrpc}.
 */

/**
 * gRPC status codes (the numbers of the gRPC spec). Defined here so that core does not depend on
 * `@grpc/grpc-js`; the values are identical to grpc-js's `status`.
 */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code, one of the values of {@link GrpcCode}. */
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** A gRPC status code's name, one of the keys of {@link GrpcCode}. */
export type GrpcCodeName = keyof typeof GrpcCode;

const GRPC_CODE_NAMES = new Map<number, GrpcCodeName>(
  Object.entries(GrpcCode).map(([name, code]) => [code, name as GrpcCodeName]),
);

/**
 * The name of a gRPC status code (`UNAVAILABLE` for 14), for messages and tests; `CODE_<n>` for a
 * number the spec does not define.
 * @param code - the status code
 */
export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES.get(code) ?? `CODE_${code}`;
}

/** The kinds of error HueDB distinguishes. */
export type ErrorKind =
  | 'InvalidArgument'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Unauthenticated'
  | 'PermissionDenied'
  | 'QuotaExceeded'
  | 'UnprocessableEntity'
  | 'RateLimited'
  | 'Backoff'
  | 'Unavailable'
  | 'Internal';

/** How one error kind appears on the wire. */
export interface ErrorKindInfo {
  /** The HTTP status the gateway answers with. */
  readonly httpStatus: number;
  /** Chroma's error name: the `error` field of the HTTP body. */
  readonly chromaName: string;
  /** The gRPC status code between services. */
  readonly grpcCode: GrpcCode;
}

/**
 * The wire facts of every kind (docs/chroma-api.md). Choices worth knowing:
 * - QuotaExceeded uses FAILED_PRECONDITION, not RESOURCE_EXHAUSTED: RESOURCE_EXHAUSTED is the
 *   log's backpressure ("retry later"), while a quota does not clear by retrying, and the two must
 *   stay apart when {@link fromGrpc} rebuilds the error at the gateway.
 * - UnprocessableEntity (a body that does not match the schema) is a gateway-only decision; it
 *   crosses gRPC as INVALID_ARGUMENT and comes back as InvalidArgument (400).
 * - Conflict (a write running under the same Idempotency-Key) is gateway-only too; it crosses gRPC
 *   as ABORTED and comes back as Unavailable (503), which is what a retry-later means there.
 * - RateLimited is also gateway-only; it shares RESOURCE_EXHAUSTED with Backoff and comes back as
 *   Backoff (both are 429).
 */
export const ERROR_KINDS: { readonly [K in ErrorKind]: ErrorKindInfo } = {
  InvalidArgument: {
    httpStatus: 400,
    chromaName: 'InvalidArgumentError',
    grpcCode: GrpcCode.INVALID_ARGUMENT,
  },
  NotFound: { httpStatus: 404, chromaName: 'NotFoundError', grpcCode: GrpcCode.NOT_FOUND },
  AlreadyExists: { httpStatus: 409, chromaName: 'ChromaError', grpcCode: GrpcCode.ALREADY_EXISTS },
  Conflict: { httpStatus: 409, chromaName: 'ChromaError', grpcCode: GrpcCode.ABORTED },
  Unauthenticated: {
    httpStatus: 401,
    chromaName: 'ChromaError',
    grpcCode: GrpcCode.UNAUTHENTICATED,
  },
  PermissionDenied: {
    httpStatus: 403,
    chromaName: 'ChromaError',
    grpcCode: GrpcCode.PERMISSION_DENIED,
  },
  QuotaExceeded: {
    httpStatus: 422,
    chromaName: 'ChromaError',
    grpcCode: GrpcCode.FAILED_PRECONDITION,
  },
  UnprocessableEntity: {
    httpStatus: 422,
    chromaName: 'ChromaError',
    grpcCode: GrpcCode.INVALID_ARGUMENT,
  },
  RateLimited: {
    httpStatus: 429,
    chromaName: 'RateLimitError',
    grpcCode: GrpcCode.RESOURCE_EXHAUSTED,
  },
  Backoff: { httpStatus: 429, chromaName: 'Backoff', grpcCode: GrpcCode.RESOURCE_EXHAUSTED },
  Unavailable: { httpStatus: 503, chromaName: 'ChromaError', grpcCode: GrpcCode.UNAVAILABLE },
  Internal: { httpStatus: 500, chromaName: 'InternalError', grpcCode: GrpcCode.INTERNAL },
};

/**
 * The base of every HueDB error. Its message is shown to clients as is, so it must never hold
 * secrets or internals; put those in `cause`, which is never serialized.
 */
export abstract class HueDbError extends Error {
  /** Which kind of error this is. */
  abstract readonly kind: ErrorKind;

  /** The HTTP status the gateway answers with. */
  get httpStatus(): number {
    return ERROR_KINDS[this.kind].httpStatus;
  }

  /** Chroma's error name for the `error` field of the HTTP body. */
  get chromaName(): string {
    return ERROR_KINDS[this.kind].chromaName;
  }

  /** The gRPC status code this error crosses services with. */
  get grpcCode(): GrpcCode {
    return ERROR_KINDS[this.kind].grpcCode;
  }
}

/** 400 `InvalidArgumentError`: a request that is well-formed JSON but breaks Chroma's rules. */
export class InvalidArgumentError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'InvalidArgument' as const;
  override readonly name = 'InvalidArgumentError';
}

/** 404 `NotFoundError`: a tenant, database, collection (or segment version) that does not exist. */
export class NotFoundError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'NotFound' as const;
  override readonly name = 'NotFoundError';
}

/** 409 `ChromaError`: creating something whose name is taken. */
export class AlreadyExistsError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'AlreadyExists' as const;
  override readonly name = 'AlreadyExistsError';
}

/**
 * 409 `ChromaError`: another request holds what this one needs (a write running under the same
 * Idempotency-Key); retry later. Gateway-only: ABORTED comes back as Unavailable.
 */
export class ConflictError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'Conflict' as const;
  override readonly name = 'ConflictError';
}

/** 401 `ChromaError`: no credentials, or credentials that are not valid. */
export class UnauthenticatedError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'Unauthenticated' as const;
  override readonly name = 'UnauthenticatedError';
}

/** 403 `ChromaError`: valid credentials without access to the tenant/database/action. */
export class PermissionDeniedError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'PermissionDenied' as const;
  override readonly name = 'PermissionDeniedError';
}

/**
 * 422 `ChromaError`: a plan limit was exceeded (dimension, document size, metadata keys, where
 * predicates, results, batch size, collections per tenant, ...). gRPC FAILED_PRECONDITION.
 */
export class QuotaExceededError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'QuotaExceeded' as const;
  override readonly name = 'QuotaExceededError';

  /**
   * An error worded like hosted Chroma's quota enforcer: "Quota exceeded: 'Document size (bytes)'
   * exceeded quota limit for action 'Add': current usage of 20000 exceeds limit of 16384".
   * @param usage - what is measured, e.g. `Number of where clause predicates`
   * @param action - the API action, e.g. `Add`, `Query`
   * @param current - the measured value
   * @param limit - the limit it exceeds
   */
  static forUsage(usage: string, action: string, current: number, limit: number) {
    return new QuotaExceededError(
      `Quota exceeded: '${usage}' exceeded quota limit for action '${action}': ` +
        `current usage of ${current} exceeds limit of ${limit}`,
    );
  }
}

/**
 * 422 `ChromaError`: a body that does not match the API schema (a wrong JSON type, an unknown
 * `include` value). Chroma answers these from its JSON deserializer, before any rule is checked.
 */
export class UnprocessableEntityError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'UnprocessableEntity' as const;
  override readonly name = 'UnprocessableEntityError';
}

/** 429 `RateLimitError`: the caller sent too many requests; retry later. */
export class RateLimitedError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'RateLimited' as const;
  override readonly name = 'RateLimitedError';
}

/**
 * 429 `Backoff`: the log's backpressure — the collection's uncompacted tail is over its limit, so
 * the write was NOT accepted; retry after the compactor catches up. gRPC RESOURCE_EXHAUSTED.
 */
export class BackoffError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'Backoff' as const;
  override readonly name = 'BackoffError';
}

/** 503 `ChromaError`: a dependency is down or did not answer in time; retrying may succeed. */
export class UnavailableError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'Unavailable' as const;
  override readonly name = 'UnavailableError';
}

/** 500 `InternalError`: a bug or a broken invariant. The message is still shown to clients. */
export class InternalError extends HueDbError {
  /** This error's kind. */
  override readonly kind = 'Internal' as const;
  override readonly name = 'InternalError';
}

const CONSTRUCTORS: { readonly [K in ErrorKind]: new (message: string) => HueDbError } = {
  InvalidArgument: InvalidArgumentError,
  NotFound: NotFoundError,
  AlreadyExists: AlreadyExistsError,
  Conflict: ConflictError,
  Unauthenticated: UnauthenticatedError,
  PermissionDenied: PermissionDeniedError,
  QuotaExceeded: QuotaExceededError,
  UnprocessableEntity: UnprocessableEntityError,
  RateLimited: RateLimitedError,
  Backoff: BackoffError,
  Unavailable: UnavailableError,
  Internal: InternalError,
};

/**
 * Builds the error of `kind` with `message`.
 * @param kind - the error kind
 * @param message - the client-visible message
 */
export function errorOfKind(kind: ErrorKind, message: string): HueDbError {
  return new CONSTRUCTORS[kind](message);
}

/** True when `err` is one of HueDB's errors. */
export function isHueDbError(err: unknown): err is HueDbError {
  return err instanceof HueDbError;
}

/** The message of an error we know nothing about: its own text may hold internals. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** An HTTP answer in Chroma's error shape. */
export interface HttpError {
  /** The HTTP status. */
  status: number;
  /** Chroma's body: `{"error": "<Name>", "message": "<text>"}`. */
  body: { error: string; message: string };
}

/**
 * The HTTP answer for any thrown value. A HueDbError answers with its kind's status and name and
 * its own message; anything else is a bug and answers 500 `InternalError` with a fixed message
 * (never the original text or stack, which may hold internals — log those separately).
 * @param err - whatever was thrown
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HueDbError) {
    return { status: err.httpStatus, body: { error: err.chromaName, message: err.message } };
  }
  const info = ERROR_KINDS.Internal;
  return {
    status: info.httpStatus,
    body: { error: info.chromaName, message: INTERNAL_ERROR_MESSAGE },
  };
}

/**
 * The gRPC status code to answer with for any thrown value: a HueDbError's own code, INTERNAL for
 * anything else.
 * @param err - whatever was thrown
 */
export function grpcCodeOf(err: unknown): GrpcCode {
  return err instanceof HueDbError ? err.grpcCode : GrpcCode.INTERNAL;
}

/** Which kind a gRPC code from another HueDB service stands for. */
const KIND_OF_GRPC_CODE: { readonly [code: number]: ErrorKind } = {
  [GrpcCode.INVALID_ARGUMENT]: 'InvalidArgument',
  [GrpcCode.OUT_OF_RANGE]: 'InvalidArgument',
  [GrpcCode.NOT_FOUND]: 'NotFound',
  [GrpcCode.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcCode.UNAUTHENTICATED]: 'Unauthenticated',
  [GrpcCode.PERMISSION_DENIED]: 'PermissionDenied',
  [GrpcCode.FAILED_PRECONDITION]: 'QuotaExceeded',
  [GrpcCode.RESOURCE_EXHAUSTED]: 'Backoff',
  // Transient: the callee is down, overloaded, timed out or aborted a conflicting attempt.
  [GrpcCode.UNAVAILABLE]: 'Unavailable',
  [GrpcCode.DEADLINE_EXCEEDED]: 'Unavailable',
  [GrpcCode.ABORTED]: 'Unavailable',
  [GrpcCode.CANCELLED]: 'Unavailable',
};

/**
 * Rebuilds the HueDB error a gRPC status stands for, so that a NOT_FOUND from the catalog becomes
 * a NotFoundError at the gateway with the catalog's message. Codes that no kind owns (UNKNOWN,
 * UNIMPLEMENTED, INTERNAL, DATA_LOSS, OK) become InternalError. The mapping is the inverse of
 * {@link ERROR_KINDS} except where two kinds share a code (see there).
 * @param code - the gRPC status code
 * @param message - the status details, kept as the error's message
 */
export function fromGrpc(code: number, message: string): HueDbError {
  return errorOfKind(KIND_OF_GRPC_CODE[code] ?? 'Internal', message);
}
