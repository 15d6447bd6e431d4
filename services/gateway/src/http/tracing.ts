import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { runInScope, validRequestId, type RequestScope } from '@huedb/grpc';
import type { IncomingHttpHeaders } from 'node:http';

const tracer = trace.getTracer('@huedb/gateway');

/** Reads W3C trace headers from a request: one value, bounded (W3C: tracestate ≤ 512). */
const headers: TextMapGetter<IncomingHttpHeaders> = {
  keys: (h) => Object.keys(h),
  get: (h, key) => {
    const value = h[key];
    const one = Array.isArray(value) ? value[0] : value;
    return one !== undefined && one.length <= 512 ? one : undefined;
  },
};

interface Traced {
  span: Span;
  context: Context;
  scope: RequestScope;
}

const traced = new WeakMap<FastifyRequest, Traced>();

/**
 * One HTTP server span per request, a child of the caller's `traceparent` when it sends one, and
 * the request scope (its request id) that the gateway's gRPC calls carry to the backends. The
 * span starts when the request arrives; the handler runs in its context from preHandler on,
 * because body parsing resumes on the socket's own async context, not the one onRequest entered.
 * Without a tracing SDK (OTEL_EXPORTER_OTLP_ENDPOINT unset) the span is the API's no-op.
 */
export function registerRequestTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headers);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
        },
      },
      parent,
    );
    const entry = {
      span,
      context: trace.setSpan(parent, span),
      scope: { requestId: validRequestId(String(request.id)) },
    };
    traced.set(request, entry);
    context.with(entry.context, () => runInScope(entry.scope, done));
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const entry = traced.get(request);
    if (!entry) return done();
    context.with(entry.context, () => runInScope(entry.scope, done));
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const entry = traced.get(request);
    if (entry) {
      const route = request.routeOptions.url;
      if (route) {
        entry.span.updateName(`${request.method} ${route}`);
        entry.span.setAttribute('http.route', route);
      }
      entry.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
      entry.span.end();
    }
    done();
  });
}
