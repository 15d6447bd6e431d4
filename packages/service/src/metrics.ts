import { createServer, type Server } from 'node:http';
import client from 'prom-client';

export { client as prometheus };

/**
 * The process's metrics registry. One per process: single-node runs every service in one process
 * and must expose one `/metrics`, so services register on this rather than on their own.
 */
export const metricsRegistry = new client.Registry();
let runtimeCollected = false;

/** Adds Node's runtime metrics (event loop lag, heap, GC, CPU, handles) once per process. */
export function collectRuntimeMetrics(): void {
  if (runtimeCollected) return;
  runtimeCollected = true;
  client.collectDefaultMetrics({ register: metricsRegistry });
}

/**
 * Returns the metric registered under `name`, or registers the one `create` builds: modules that
 * may be loaded by several services in one process share one series instead of failing on the
 * duplicate name.
 */
export function metric<M extends client.Metric>(
  name: string,
  create: (registers: client.Registry[]) => M,
): M {
  return (metricsRegistry.getSingleMetric(name) as M | undefined) ?? create([metricsRegistry]);
}

/** The body and content type of a `/metrics` answer. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}

/** A running metrics listener. */
export interface MetricsServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /ready` (200 once `ready()` says so,
 * else 503) on `host:port`, for services whose API is gRPC.
 */
export async function startMetricsServer(
  listen: string,
  ready: () => boolean = () => true,
): Promise<MetricsServer> {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i);
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && url === '/metrics') {
      renderMetrics().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (req.method === 'GET' && url === '/ready') {
      const ok = ready();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ready' : 'not ready');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(listen.slice(i + 1)), host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Metered usage, summed over every tenant (docs/decisions/0030-usage-metering.md): one series per
 * metric (records_written, queries, ...), and deliberately no tenant label — a label per tenant
 * would make a series per tenant and metric, unbounded on a SaaS. Per-tenant figures are the
 * control plane's `/usage` API. Shared by the gateway and the compactor (one process on
 * single-node).
 */
export function usageCounter(): client.Counter<'metric'> {
  return metric(
    'huedb_usage_total',
    (registers) =>
      new client.Counter({
        name: 'huedb_usage_total',
        help: 'Metered usage over all tenants, by metric (per-tenant figures: the /usage API).',
        labelNames: ['metric'],
        registers,
      }),
  );
}
