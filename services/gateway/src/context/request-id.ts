import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { validRequestId } from '@huedb/grpc';

/** The header a request id comes in and goes back out in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The id of a request (Fastify's `genReqId`): the caller's `x-request-id` when it is sane (so a
 * client's or proxy's id can be followed through our logs), else a new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  // Kept only when it is what gRPC metadata accepts too (@huedb/grpc: up to 128 characters a log
  // line and a header hold without escaping), so a caller cannot inject newlines, control
  // characters or megabytes into our logs, and the id travels unchanged to the backends.
  return (typeof given === 'string' ? validRequestId(given) : undefined) ?? randomUUID();
}

/**
 * Echoes every request's id in the `x-request-id` response header. Set when the request arrives,
 * before any other hook, route or error handler runs, so every answer sent through the reply —
 * errors, 404/405/410 and body-parse failures included — carries it.
 */
export function registerRequestIdHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
