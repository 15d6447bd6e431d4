import type { Metadata } from '@grpc/grpc-js';
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
  type TextMapSetter,
} from '@opentelemetry/api';
import { codeName } from './rpc-error.js';

/**
 * gRPC client and server spans, through the OpenTelemetry API only. Without an SDK registered
 * (@huedb/service's tracing bootstrap does it when OTLP is configured) the tracer, the propagator
 * and the context manager are the API's no-ops: a span costs one non-recording object and the
 * metadata gets no traceparent.
 */
const tracer = trace.getTracer('@huedb/grpc');

/** W3C limits: traceparent is 55 characters today; tracestate at most 512 (32 members). */
const MAX_TRACE_HEADER = 512;

const setter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

/** Reads trace headers from untrusted metadata: text only, bounded, first value of a key. */
const getter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const [value] = metadata.get(key);
    return typeof value === 'string' && value.length <= MAX_TRACE_HEADER ? value : undefined;
  },
};

/** The RPC's span attributes, as OpenTelemetry's RPC semantic conventions name them. */
function rpcAttributes(service: string, method: string) {
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}

/** Starts the client span of a call, a child of the active span. */
export function startClientSpan(service: string, method: string, address: string): Span {
  return tracer.startSpan(`${service}/${method}`, {
    kind: SpanKind.CLIENT,
    attributes: { ...rpcAttributes(service, method), 'server.address': address },
  });
}

/** Writes the trace context of `span` (traceparent, tracestate) into an attempt's metadata. */
export function injectTraceContext(span: Span, metadata: Metadata): void {
  propagation.inject(trace.setSpan(context.active(), span), metadata, setter);
}

/**
 * Starts the server span of an incoming call, a child of the trace context in its metadata, and
 * returns it with the context to run the handler in.
 */
export function startServerSpan(
  service: string,
  method: string,
  metadata: Metadata,
): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, metadata, getter);
  const span = tracer.startSpan(
    `${service}/${method}`,
    { kind: SpanKind.SERVER, attributes: rpcAttributes(service, method) },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a call's span with its gRPC status code (0 = OK). */
export function endSpan(span: Span, code: number, message?: string): void {
  span.setAttribute('rpc.grpc.status_code', code);
  if (code !== 0) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${codeName(code)}: ${message ?? ''}` });
  }
  span.end();
}
