/**
 * What the request-scope and tracing path of @huedb/grpc costs per call, tracing off and on:
 *
 *   node --conditions=@huedb/source --import tsx bench/src/grpc-overhead.ts [--calls 5000]
 *
 * Two measures, both printed as a markdown table:
 * - per call over loopback gRPC, sequential: a bare grpc-js client of the same service (no
 *   metadata, no span), then @huedb/grpc's client with a request scope active, tracing off, then
 *   the same with the OpenTelemetry SDK registered (exporting over OTLP/HTTP to a local sink);
 * - the path alone, without the network: write the scope and trace context into metadata, read
 *   them back as a server does, start and end client and server spans.
 * Loopback round trips are noisy (~100 µs each on a busy 2-core machine); the second figure is
 * the one that isolates the overhead.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { credentials, makeGenericClientConstructor, Metadata, type Client } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import {
  addService,
  createClient,
  createGrpcServer,
  endSpan,
  injectTraceContext,
  listen,
  readScope,
  runInScope,
  startClientSpan,
  startServerSpan,
  toGrpcDefinition,
  writeScope,
} from '@huedb/grpc';
import { LogService } from '@huedb/proto/log';
import { startTracing } from '@huedb/service';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '5000' } } });
const CALLS = Number(values.calls);

const handlers = {
  pushLogs: async () => ({}),
  scoutLogs: async () => ({ toPosition: 1n }),
  pullLogs: async () => ({}),
  collectionsToCompact: async () => ({}),
  advanceCompactionCursor: async () => ({}),
  purgeCollection: async () => ({}),
};
const scope = {
  requestId: 'req-0123456789abcdef',
  principal: { tenant: 'default_tenant', subject: 'key-1', role: 'admin' },
};

interface Figures {
  mean: number;
  p50: number;
  p99: number;
}

async function measure(calls: number, fn: () => unknown): Promise<Figures> {
  for (let i = 0; i < Math.min(1000, calls); i++) await fn();
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  const mean = samples.reduce((a, b) => a + b, 0) / calls;
  return { mean, p50: samples[Math.floor(calls / 2)]!, p99: samples[Math.floor(calls * 0.99)]! };
}

/** The scope and tracing work of one call on both ends, without the network. */
function pathOnce(): void {
  const metadata = new Metadata();
  const span = startClientSpan('huedb.log.v1.LogService', 'ScoutLogs', '127.0.0.1:1');
  writeScope(scope, metadata);
  injectTraceContext(span, metadata);
  const server = startServerSpan('huedb.log.v1.LogService', 'ScoutLogs', metadata);
  context.with(server.context, () => runInScope(readScope(metadata, undefined), () => 0));
  endSpan(server.span, 0);
  endSpan(span, 0);
}

const server = createGrpcServer();
addService(server, LogService, handlers);
const address = `127.0.0.1:${await listen(server, '127.0.0.1:0')}`;
const Bare = makeGenericClientConstructor(toGrpcDefinition(LogService), 'LogService');
const bare: Client = new Bare(address, credentials.createInsecure());
const bareCall = () =>
  new Promise((resolve, reject) =>
    (bare as unknown as Record<string, (...a: unknown[]) => void>).scoutLogs!(
      { collectionId: 'c' },
      new Metadata(),
      { deadline: new Date(Date.now() + 30_000) },
      (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)),
    ),
  );
const client = createClient(LogService, address);
const kitCall = () => runInScope(scope, () => client.scoutLogs({ collectionId: 'c' }));

const rows: [string, Figures][] = [];
rows.push(['loopback call, bare grpc-js', await measure(CALLS, bareCall)]);
rows.push(['loopback call, @huedb/grpc, tracing off', await measure(CALLS, kitCall)]);
rows.push(['scope + span path alone, tracing off', await measure(CALLS * 20, pathOnce)]);

// Tracing on: the SDK as runService registers it, exporting to a sink that takes every batch.
const sink = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const tracing = startTracing(
  { otlpEndpoint: `http://127.0.0.1:${(sink.address() as { port: number }).port}` },
  'bench',
)!;
// Each call is a root span here (no parent), as a sampled request reaching the gateway would be.
rows.push(['loopback call, @huedb/grpc, tracing on', await measure(CALLS, kitCall)]);
rows.push(['scope + span path alone, tracing on', await measure(CALLS * 20, pathOnce)]);
await tracing.shutdown();
sink.close();
bare.close();
client.close();
server.forceShutdown();

const tracer = trace.getTracer('x').startSpan('x').isRecording();
console.log(`\n${CALLS} sequential calls per loopback row (path rows: ×20), µs per call`);
console.log(`(Node ${process.version}; tracing disabled again after: ${!tracer})\n`);
console.log('| what | mean µs | p50 µs | p99 µs |');
console.log('| --- | ---: | ---: | ---: |');
for (const [what, f] of rows) {
  console.log(`| ${what} | ${f.mean.toFixed(1)} | ${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} |`);
}
