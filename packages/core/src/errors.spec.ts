import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  BackoffError,
  ERROR_KINDS,
  errorOfKind,
  fromGrpc,
  GrpcCode,
  grpcCodeOf,
  HueDbError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitedError,
  toHttpError,
  UnauthenticatedError,
  UnavailableError,
  UnprocessableEntityError,
  type ErrorKind,
} from './errors.js';

describe('error model', () => {
  it.each([
    [new InvalidArgumentError('m'), 400, 'InvalidArgumentError', GrpcCode.INVALID_ARGUMENT],
    [new NotFoundError('m'), 404, 'NotFoundError', GrpcCode.NOT_FOUND],
    [new AlreadyExistsError('m'), 409, 'ChromaError', GrpcCode.ALREADY_EXISTS],
    [new UnauthenticatedError('m'), 401, 'ChromaError', GrpcCode.UNAUTHENTICATED],
    [new PermissionDeniedError('m'), 403, 'ChromaError', GrpcCode.PERMISSION_DENIED],
    [new QuotaExceededError('m'), 422, 'ChromaError', GrpcCode.FAILED_PRECONDITION],
    [new UnprocessableEntityError('m'), 422, 'ChromaError', GrpcCode.INVALID_ARGUMENT],
    [new RateLimitedError('m'), 429, 'RateLimitError', GrpcCode.RESOURCE_EXHAUSTED],
    [new BackoffError('m'), 429, 'Backoff', GrpcCode.RESOURCE_EXHAUSTED],
    [new UnavailableError('m'), 503, 'ChromaError', GrpcCode.UNAVAILABLE],
    [new InternalError('m'), 500, 'InternalError', GrpcCode.INTERNAL],
  ])('%s answers %i %s and gRPC %i', (err, status, name, code) => {
    expect(err).toBeInstanceOf(HueDbError);
    expect(err).toBeInstanceOf(Error);
    expect(toHttpError(err)).toEqual({ status, body: { error: name, message: 'm' } });
    expect(grpcCodeOf(err)).toBe(code);
  });

  it('matches grpc-js numbering', () => {
    expect(GrpcCode).toMatchObject({ NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNAUTHENTICATED: 16 });
  });

  it('answers unknown errors with 500 InternalError and hides their text', () => {
    const secret = new Error('password=hunter2 at /srv/app.js:12');
    const res = toHttpError(secret);
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('InternalError');
    expect(res.body.message).not.toContain('hunter2');
    expect(toHttpError('a string').status).toBe(500);
    expect(grpcCodeOf(secret)).toBe(GrpcCode.INTERNAL);
  });

  it('keeps the cause out of the answer', () => {
    const err = new UnavailableError('Log unavailable', {
      cause: new Error('ECONNREFUSED 10.0.0.1'),
    });
    expect(err.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(toHttpError(err))).not.toContain('10.0.0.1');
  });

  it('rebuilds each kind from its own gRPC code, except where codes are shared', () => {
    for (const kind of Object.keys(ERROR_KINDS) as ErrorKind[]) {
      const original = errorOfKind(kind, 'msg');
      const rebuilt = fromGrpc(grpcCodeOf(original), 'msg');
      const expected: ErrorKind =
        kind === 'UnprocessableEntity'
          ? 'InvalidArgument'
          : kind === 'RateLimited'
            ? 'Backoff'
            : kind === 'Conflict'
              ? 'Unavailable'
              : kind;
      expect(rebuilt.kind).toBe(expected);
      expect(rebuilt.message).toBe('msg');
    }
  });

  it('turns NOT_FOUND from the catalog into a NotFoundError at the gateway', () => {
    const err = fromGrpc(GrpcCode.NOT_FOUND, 'Collection [x] does not exist');
    expect(err).toBeInstanceOf(NotFoundError);
    expect(toHttpError(err)).toEqual({
      status: 404,
      body: { error: 'NotFoundError', message: 'Collection [x] does not exist' },
    });
  });

  it('maps transient and unowned codes', () => {
    expect(fromGrpc(GrpcCode.DEADLINE_EXCEEDED, 'slow')).toBeInstanceOf(UnavailableError);
    expect(fromGrpc(GrpcCode.UNKNOWN, '?')).toBeInstanceOf(InternalError);
    expect(fromGrpc(GrpcCode.UNIMPLEMENTED, '?')).toBeInstanceOf(InternalError);
    expect(fromGrpc(99, '?')).toBeInstanceOf(InternalError);
    expect(fromGrpc(GrpcCode.RESOURCE_EXHAUSTED, 'tail full')).toBeInstanceOf(BackoffError);
  });

  it("words quota errors like hosted Chroma's enforcer", () => {
    expect(
      QuotaExceededError.forUsage('Number of where clause predicates', 'Query', 9, 8).message,
    ).toBe(
      "Quota exceeded: 'Number of where clause predicates' exceeded quota limit for action 'Query': current usage of 9 exceeds limit of 8",
    );
  });
});
