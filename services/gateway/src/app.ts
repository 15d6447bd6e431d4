import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { LoggerService } from '@nestjs/common';
import { nestLogger, renderMetrics, type Logger } from '@huedb/service';
import type { Plans } from './plans/tenant-plans.js';
import type { Backends } from './backends/backends.js';
import type { GatewayConfig } from './config.js';
import type { Authenticator } from './context/authenticator.js';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { REQUEST_ID_HEADER, registerRequestIdHeader, requestIdOf } from './context/request-id.js';
import { GatewayModule } from './gateway.module.js';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator.js';
import { toChromaError } from './http/http-error.js';
import { BODY_LIMIT_BYTES, registerJsonBodyParser } from './http/json-body.js';
import { registerRequestLog } from './http/request-log.js';
import { registerUnknownRouteAnswers } from './http/unknown-routes.js';
import { registerRequestTracing } from './http/tracing.js';
import { trustProxyOption } from './http/trusted-proxies.js';

/** Longest path segment the router takes. */
const MAX_PARAM_LENGTH = 16 * 1024;

const V1_GONE = JSON.stringify({
  error: 'Unimplemented',
  message: 'The v1 API is deprecated. Please use /v2 apis',
});

/** Options of {@link createGatewayApp}. */
export interface GatewayAppOptions {
  /**
   * The process's logger: one JSON line per request goes here, and Nest's own lines too unless
   * `logger` says otherwise. Without it, no request lines are written.
   */
  log?: Logger;
  /**
   * Who callers are (default: everyone anonymous). The seam authentication plugs into; see
   * docs/decisions/0018-request-context.md.
   */
  authenticator?: Authenticator;
  /** Where Nest's own log lines go (default: `log`, else Nest's console logger, errors and warnings). */
  logger?: LoggerService;
}

/**
 * Builds the gateway's HTTP application on the given backends. Used by the gateway process (gRPC
 * backends) and by single-node mode (in-process backends); call `listen` on the result.
 */
export async function createGatewayApp(
  backends: Backends,
  config: GatewayConfig,
  plans: Plans,
  options: GatewayAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: false,
    // Our own id rule (a sane caller's x-request-id, else a UUID) instead of Fastify's counter.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Names are up to 512 characters (Chroma's maximum) and must work in every route; the URL's
    // length is bounded by Node's header size limit (16 KiB) anyway.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors Fastify answers itself, before any route or hook: in Chroma's format too.
    frameworkErrors: (err: Error, request: { id: string }, reply: { raw: ServerResponse }) => {
      const { status, body } = toChromaError(err);
      const text = JSON.stringify(body);
      reply.raw.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        [REQUEST_ID_HEADER]: request.id,
      });
      reply.raw.end(text);
    },
    clientErrorHandler: answerClientError,
    // request.ip and request.protocol from X-Forwarded-* only when the hop is a trusted proxy.
    trustProxy: trustProxyOption(config.trustedProxies),
  });
  const fastify = adapter.getInstance<FastifyInstance>();
  // First: every later hook, route and error answer then carries the id.
  registerRequestIdHeader(fastify);
  registerRequestTracing(fastify);
  registerRequestLog(fastify, options.log);
  registerJsonBodyParser(fastify);
  // The v1 API is gone in Chroma ≥ 1.0; clients that still call it get Chroma's 410 (before
  // the unknown-route answers below, which would say 404).
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/v1/') || request.url === '/api/v1') {
      await reply.status(410).header('content-type', 'application/json').send(V1_GONE);
    }
  });
  // Prometheus scrapes the process's registry on the API port: one port to expose per gateway.
  fastify.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await renderMetrics();
    await reply.header('content-type', contentType).send(body);
  });
  registerUnknownRouteAnswers(fastify);
  let authenticator = options.authenticator;
  if (!authenticator && config.auth) {
    // HUEDB_AUTH: API keys through the control plane, and the bootstrap admin token.
    const keys = new ApiKeyAuthenticator(backends.control, {
      adminToken: config.adminToken,
      log: options.log,
    });
    await keys.start();
    fastify.addHook('onClose', async () => keys.close());
    authenticator = keys;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(backends, config, plans, authenticator, options.log),
    adapter,
    {
      bodyParser: false,
      logger: options.logger ?? (options.log ? nestLogger(options.log) : ['error', 'warn']),
    },
  );
  return app;
}

/**
 * A request Node's HTTP parser refused (headers or URL over 16 KiB, malformed request line):
 * answered on the raw socket, in Chroma's format, then the connection is closed.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request line or headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive']
        : [400, 'Bad Request', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: 'ChromaError', message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
