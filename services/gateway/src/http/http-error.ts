import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import {
  fromGrpc,
  InternalError,
  InvalidArgumentError,
  toHttpError,
  type HttpError,
} from '@huedb/core';
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
  FST_ERR_BAD_URL: () =>
    toHttpError(new InvalidArgumentError('The URL path is not valid percent-encoded UTF-8')),
  FST_ERR_MAX_PARAM_LENGTH: () => ({
    status: 414,
    body: { error: 'ChromaError', message: 'A URL path segment is too long' },
  }),
};

/** The answer to anything the gateway cannot explain without revealing internals. */
const INTERNAL: HttpError = toHttpError(new Error('unexplained'));

/**
 * Any error → Chroma's error body and status, never revealing internals. HueDB errors carry their
 * own; gRPC errors from the catalog, log or query nodes are mapped by status code (NOT_FOUND →
 * 404 NotFoundError, ...), except those that stand for a bug there (INTERNAL, UNKNOWN, ...),
 * whose text may hold stack traces, SQL or driver messages: those are a 500 with a fixed message.
 * Framework errors (body too large, bad URL, bad Content-Length, ...) get the closest Chroma
 * answer, any other 4xx from the framework its status with the status's name; anything else is a
 * 500 that reveals nothing. (Callers log the original of every 500.)
 */
export function toChromaError(err: unknown): HttpError {
  if (err instanceof RpcError) {
    const mapped = fromGrpc(err.code, err.message);
    return mapped instanceof InternalError ? INTERNAL : toHttpError(mapped);
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) {
      return { status, body: { error: 'NotFoundError', message: 'Not found' } };
    }
    // 501 is a deliberate answer (a route HueDB does not serve yet, e.g. search), not a bug.
    return status >= 500 && status !== 501
      ? INTERNAL
      : { status, body: { error: 'ChromaError', message: err.message } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FASTIFY_ERRORS[code]) return FASTIFY_ERRORS[code](err as Error);
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (
    typeof code === 'string' &&
    code.startsWith('FST_') &&
    typeof status === 'number' &&
    status >= 400 &&
    status < 500
  ) {
    return {
      status,
      body: { error: 'ChromaError', message: STATUS_CODES[status] ?? 'Bad request' },
    };
  }
  return toHttpError(err);
}
