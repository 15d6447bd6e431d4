import { HttpException } from '@nestjs/common';
import { fromGrpc, InvalidArgumentError, toHttpError, type HttpError } from '@huedb/core';
import { RpcError } from '@huedb/grpc';

/** Fastify's own errors that reach us before a route runs, by their `code`. */
const FASTIFY_ERRORS: Record<string, (err: Error) => HttpError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => ({
    status: 413,
    body: { error: 'ChromaError', message: 'Request body exceeds the 40 MiB limit' },
  }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => ({
    status: 415,
    body: {
      error: 'ChromaError',
      message: 'Expected request with `Content-Type: application/json`',
    },
  }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => toHttpError(new InvalidArgumentError('Empty request body')),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    toHttpError(new InvalidArgumentError('Content-Length does not match the body')),
};

/**
 * Any error → Chroma's error body and status. HueDB errors carry their own; gRPC errors from the
 * catalog, log or query nodes are mapped by status code (NOT_FOUND → 404 NotFoundError, ...);
 * framework errors (unknown route, body too large) get the closest Chroma answer; anything else
 * is a 500 that reveals nothing.
 */
export function toChromaError(err: unknown): HttpError {
  if (err instanceof RpcError) return toHttpError(fromGrpc(err.code, err.message));
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) {
      return { status, body: { error: 'NotFoundError', message: 'Not found' } };
    }
    return { status, body: { error: 'ChromaError', message: err.message } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FASTIFY_ERRORS[code]) return FASTIFY_ERRORS[code](err as Error);
  return toHttpError(err);
}
