import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { metric, prometheus, type Logger } from '@huedb/service';
import { findRequestContext } from '../context/request-context.js';

/** The route label of a request no route matched (404s, 405s, the v1 410): never the raw path. */
const UNMATCHED_ROUTE = 'unmatched';

/** Latency buckets (seconds): a cached heartbeat (~1 ms) up to a slow query over gRPC (10 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Per-route HTTP metrics and one JSON log line per request, measured when the answer is sent
 * (Fastify's onResponse), so every answer counts — errors, unknown routes, /metrics itself.
 * Labels are the route's template (`/api/v2/tenants/:tenant/...`), the method and the status
 * class: no tenant, database, collection or record id (unbounded cardinality, decision 0010).
 * The log line carries the ids (request id, tenant, database): logs are per request anyway.
 * @param log - where request lines go; none when undefined (tests that build the app bare)
 */
export function registerRequestLog(fastify: FastifyInstance, log: Logger | undefined): void {
  const requests = metric(
    'huedb_http_requests_total',
    (registers) =>
      new prometheus.Counter({
        name: 'huedb_http_requests_total',
        help: 'HTTP requests answered by the gateway, by method, route template and status class',
        labelNames: ['method', 'route', 'status_class'],
        registers,
      }),
  );
  const latency = metric(
    'huedb_http_request_duration_seconds',
    (registers) =>
      new prometheus.Histogram({
        name: 'huedb_http_request_duration_seconds',
        help: 'Time from request arrival to the answer being sent, by method and route template',
        labelNames: ['method', 'route'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
  );
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeTemplate(request);
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    requests.inc({ method: request.method, route, status_class: `${Math.floor(status / 100)}xx` });
    latency.observe({ method: request.method, route }, ms / 1000);
    if (log) {
      // The context when the guard ran; otherwise (refused before any handler) the path's params.
      const context = findRequestContext(request);
      const params = (request.params ?? {}) as { tenant?: string; database?: string };
      log.info(
        {
          requestId: request.id,
          method: request.method,
          route,
          // The client's, not a trusted proxy's (HUEDB_TRUSTED_PROXIES).
          client: request.ip,
          tenant: context?.tenant ?? params.tenant ?? null,
          database: context?.database ?? params.database ?? null,
          status,
          latencyMs: Math.round(ms * 1000) / 1000,
          requestBytes: numberHeader(request.headers['content-length']),
          bytes: responseBytes(reply),
        },
        'request',
      );
    }
    done();
  });
}

/** The template of the route that answered (`/api/v2/tenants/:tenant`), never the raw path. */
export function routeTemplate(request: FastifyRequest): string {
  return request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
}

function responseBytes(reply: FastifyReply): number | null {
  const length = reply.getHeader('content-length');
  return numberHeader(Array.isArray(length) ? length[0] : length);
}

function numberHeader(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
