import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** What {@link startTracing} needs (OpenTelemetry's standard variables, as settings). */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the OTLP/HTTP base URL; unset = no tracing. */
  otlpEndpoint?: string | undefined;
  /** OTEL_SERVICE_NAME; default the service's own name. */
  otelServiceName?: string | undefined;
}

/** A running tracer: flushes and stops on shutdown. */
export interface Tracing {
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers OpenTelemetry's SDK globally when an OTLP endpoint is configured: a batching OTLP/HTTP
 * exporter to `<endpoint>/v1/traces`, W3C trace-context propagation and an AsyncLocalStorage
 * context manager (so a span started while serving a call is its child). Without an endpoint it
 * registers nothing and returns undefined: the API stays a no-op, which is what makes tracing
 * free when it is off (@huedb/grpc and the gateway only ever call the API).
 * @param serviceName - the service's name, used unless OTEL_SERVICE_NAME says otherwise
 */
export function startTracing(config: TracingConfig, serviceName: string): Tracing | undefined {
  if (!config.otlpEndpoint) return undefined;
  const url = `${config.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.otelServiceName ?? serviceName,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
