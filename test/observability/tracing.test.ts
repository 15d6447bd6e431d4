import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInfra, LocalCluster } from '@huedb/testing';

/** One span as OTLP/HTTP JSON carries it, with the service.name of its resource. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 2 = SERVER, 3 = CLIENT. */
  kind: number;
}

const SERVER = 2;
const CLIENT = 3;

interface OtlpBody {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[];
  }[];
}

/** A minimal OTLP/HTTP receiver (JSON, which @opentelemetry/exporter-trace-otlp-http sends). */
async function startReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
        for (const rs of body.resourceSpans ?? []) {
          const name = rs.resource?.attributes?.find((a) => a.key === 'service.name');
          for (const ss of rs.scopeSpans ?? []) {
            for (const span of ss.spans ?? []) {
              spans.push({ ...span, service: name?.value.stringValue ?? '?' });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, spans };
}

/**
 * The trace of one Chroma API request crosses the cluster's processes: the gateway continues the
 * caller's traceparent, and the query node and the log continue the gateway's, each span a child
 * of a span of the same trace, down from the caller's.
 */
describe('one trace across gateway, query node and log', () => {
  let cluster: LocalCluster;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    cluster = await LocalCluster.start({
      infra: getInfra(),
      gateways: 1,
      queryNodes: 1,
      env: { gateway: otel, log: otel, query: otel, catalog: otel },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('links every span of the request to its parent, from the caller down to the log', async () => {
    const base = `${cluster.gatewayUrls[0]}/api/v2/tenants/default_tenant/databases/default_database`;
    const json = { 'content-type': 'application/json', ...cluster.authHeaders };
    const created = await fetch(`${base}/collections`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'traced' }),
    });
    const { id } = (await created.json()) as { id: string };
    const added = await fetch(`${base}/collections/${id}/add`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        ids: ['a', 'b'],
        embeddings: [
          [1, 2],
          [3, 4],
        ],
      }),
    });
    expect(added.status).toBe(201);

    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const queried = await fetch(`${base}/collections/${id}/query`, {
      method: 'POST',
      headers: { ...json, traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ query_embeddings: [[1, 2]], n_results: 1 }),
    });
    expect(queried.status).toBe(200);
    expect(((await queried.json()) as { ids: string[][] }).ids).toEqual([['a']]);

    // Spans arrive in batches on each process's schedule: wait for all three services' spans.
    const ofTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const services = () => new Set(ofTrace().map((s) => s.service));
    const deadline = Date.now() + 60_000;
    while (!['gateway', 'query', 'log'].every((s) => services().has(s)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const spans = ofTrace();
    expect([...services()].sort()).toEqual(expect.arrayContaining(['gateway', 'log', 'query']));
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    // The gateway's HTTP span continues the caller's span.
    const http = spans.filter((s) => s.service === 'gateway' && s.kind === SERVER);
    expect(http).toHaveLength(1);
    expect(http[0]!.parentSpanId).toBe(callerSpan);
    expect(http[0]!.name).toContain('/query');

    // Every other span hangs off a span of this trace: no orphan, no second root.
    for (const span of spans) {
      if (span === http[0]) continue;
      expect(byId.has(span.parentSpanId), `${span.service} ${span.name} has its parent`).toBe(true);
    }
    // A backend's server span is the child of a client span in another process, same RPC.
    const servers = spans.filter((s) => s.kind === SERVER && s.service !== 'gateway');
    for (const server of servers) {
      const parent = byId.get(server.parentSpanId)!;
      expect(parent.kind).toBe(CLIENT);
      expect(parent.service).not.toBe(server.service);
      expect(parent.name).toBe(server.name);
    }
    const query = servers.find((s) => s.service === 'query' && s.name.endsWith('/Query'));
    expect(query, 'the query node served Query').toBeDefined();
    expect(byId.get(query!.parentSpanId)!.service).toBe('gateway');
    expect(
      servers.some((s) => s.service === 'log'),
      'the log served a read',
    ).toBe(true);
  });
});
