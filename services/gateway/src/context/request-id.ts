import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The header a request id comes in and goes back out in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like to be kept: up to 128 characters a log line and a header can
 * hold without escaping (UUIDs, ULIDs, trace ids, `svc-1234`). Anything else is replaced, so a
 * caller cannot inject newlines, control characters or megabytes into our logs.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/**
 * The id of a request (Fastify's `genReqId`): the caller's `x-request-id` when it is sane (so a
 * client's or proxy's id can be followed through our logs), else a new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
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
