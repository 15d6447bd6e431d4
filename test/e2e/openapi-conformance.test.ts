import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SingleNodeProcess } from '@huedb/testing';
import { fuzzOpenApi } from './schemathesis.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Schemathesis's time budget: enough for every operation's coverage, fuzzing and stateful phases. */
const FUZZ_SECONDS = 45;

type Operation = {
  operationId: string;
  parameters: { name: string; in: string }[];
  requestBody?: object;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
};

/**
 * The served contract against the server (docs/decisions/0014-http-schema.md): every status an
 * operation answers is one /openapi.json lists for it, and every body matches the schema listed
 * for that status. Schemathesis generates the valid and invalid requests (from the document,
 * chaining created resources into later calls); the probes below add what it does not send (other
 * media types, broken JSON, bodies over the limit, bad percent-encoding).
 *
 * On a deployment of its own: Schemathesis deletes whatever it finds (default_database included),
 * which would break the suites sharing the project's deployment.
 */
describe('the OpenAPI document matches what the server answers', () => {
  let node: SingleNodeProcess;
  let document: Document;

  beforeAll(async () => {
    node = await SingleNodeProcess.start();
    document = (await (await fetch(`${node.url}/openapi.json`)).json()) as Document;
  });
  afterAll(() => node?.kill('SIGTERM'));

  it('serves the committed document, byte for byte', async () => {
    const served = await (await fetch(`${node.url}/openapi.json`)).text();
    expect(served).toBe(readFileSync(path.join(ROOT, 'services/gateway/openapi.json'), 'utf8'));
  });

  it(
    'Schemathesis finds no undocumented status and no body off its schema',
    { timeout: (FUZZ_SECONDS + 90) * 1000 },
    async () => {
      const result = await fuzzOpenApi({ url: node.url, seconds: FUZZ_SECONDS });
      expect(result.failures, result.summary).toEqual([]);
      expect(result.errors, result.summary).toEqual([]);
      // Every operation but /openapi.json itself, which Schemathesis leaves out.
      const operations = Object.values(document.paths).flatMap((ops) => Object.keys(ops)).length;
      expect(result.operations).toMatchObject({ total: operations - 1, tested: operations - 1 });
      expect(result.test_cases.generated).toBeGreaterThan(300);
    },
  );

  it('answers a whole collection lifecycle with the documented statuses and bodies', async () => {
    const ajv = validator(document);
    const name = `oa-${Date.now()}`;
    const db = '/api/v2/tenants/{tenant}/databases/{database}';
    const collection = `${db}/collections/{collection_id}`;
    const call = async (method: string, template: string, body?: unknown, id = '') => {
      const op = document.paths[template]?.[method];
      expect(op, `${method} ${template} is documented`).toBeDefined();
      const res = await fetch(`${node.url}${concrete(template, id)}`, {
        method: method.toUpperCase(),
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer: unknown = await res.json();
      const label = `${method.toUpperCase()} ${template} → ${res.status} ${JSON.stringify(answer)}`;
      expect(res.ok, label).toBe(true);
      const schema = op!.responses[String(res.status)]?.content?.['application/json']?.schema;
      expect(schema, `${label}: status not documented`).toBeDefined();
      expect(ajv.validate(schema!, answer), `${label}: ${ajv.errorsText()}`).toBe(true);
      return answer as Record<string, unknown>;
    };
    // Schemathesis may have deleted default_database (it deletes what it finds): make it again.
    await fetch(`${node.url}/api/v2/tenants/default_tenant/databases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'default_database' }),
    });
    const created = await call('post', `${db}/collections`, { name, metadata: { a: 1 } });
    const id = created['id'] as string;
    const records = {
      ids: ['r1', 'r2'],
      embeddings: [
        [1, 0.5],
        [0, 1],
      ],
      documents: ['one', null],
      uris: ['u1', null],
      metadatas: [{ k: 'v', n: 1.5, f: [1, 2] }, null],
    };
    await call('post', `${collection}/add`, records, id);
    await call('post', `${collection}/upsert`, { ...records, ids: ['r3', 'r2'] }, id);
    await call('post', `${collection}/update`, { ids: ['r1'], documents: ['uno'] }, id);
    const include = ['documents', 'embeddings', 'metadatas', 'uris'];
    await call('post', `${collection}/get`, { include }, id);
    await call('post', `${collection}/get`, { include: [] }, id);
    const query = { query_embeddings: [[1, 0]], n_results: 2, include: [...include, 'distances'] };
    await call('post', `${collection}/query`, query, id);
    await call('get', `${collection}/count`, undefined, id);
    await call('get', `${collection}/indexing_status`, undefined, id);
    await call('get', `${collection}/fork_count`, undefined, id);
    const fork = await call('post', `${collection}/fork`, { new_name: `${name}-fork` }, id);
    await call('get', `${db}/collections/by-id/{collection_id}`, undefined, fork['id'] as string);
    await call('get', `${db}/collections`);
    await call('get', `${db}/collections_count`);
    await call('get', '/api/v2/collections/{crn}', undefined, name);
    await call('put', collection, { new_metadata: { b: true } }, id);
    await call('post', `${collection}/delete`, { ids: ['r1'] }, id);
    await call('get', collection, undefined, name);
    await call('delete', collection, undefined, name);
    await call('get', '/api/v2/tenants/{tenant}');
    await call('get', '/api/v2/tenants/{tenant}/databases');
    await call('get', db);
    for (const path of ['/api/v2', '/api/v2/heartbeat', '/api/v2/version', '/api/v2/healthcheck']) {
      await call('get', path);
    }
    await call('get', '/api/v2/pre-flight-checks');
    await call('get', '/api/v2/auth/identity');
  });

  it('lists the answers to other media types, broken JSON, huge bodies and bad URLs', async () => {
    const ajv = validator(document);
    const answers: string[] = [];
    for (const [template, ops] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const probes: { why: string; path: string; init?: RequestInit }[] = [];
        const url = concrete(template);
        if (template.includes('{')) {
          const bad = concrete(template.replace(/\{\w+\}/, '%zz'));
          probes.push({ why: 'bad percent-encoding', path: bad });
          // Names an object literal already holds: a lookup keyed by a path segment must miss.
          for (const param of template.match(/\{\w+\}/g)!) {
            for (const name of ['__proto__', 'constructor']) {
              const path = concrete(template.replace(param, name));
              probes.push({ why: `prototype key ${name} as ${param}`, path });
            }
          }
        }
        if (op.requestBody) {
          const post = (body: string, type: string) => ({
            method: method.toUpperCase(),
            headers: { 'content-type': type },
            body,
          });
          probes.push(
            { why: 'text/plain', path: url, init: post('{}', 'text/plain') },
            { why: 'broken JSON', path: url, init: post('{"a":', 'application/json') },
            { why: 'no body', path: url, init: post('', 'application/json') },
            { why: 'wrong shape', path: url, init: post('[1]', 'application/json') },
          );
        }
        const answered = probes.map(async (probe) => {
          const res = await fetch(
            `${node.url}${probe.path}`,
            probe.init ?? { method: method.toUpperCase() },
          );
          return { why: probe.why, status: res.status, body: await res.json() };
        });
        if (op.requestBody) answered.push(oversized(`${node.url}${url}`, method));
        for (const { why, status, body } of await Promise.all(answered)) {
          const label = `${method.toUpperCase()} ${template} (${why}) → ${status}`;
          const documented = op.responses[String(status)];
          expect(documented, `${label}: not in the document`).toBeDefined();
          const schema = documented!.content?.['application/json']?.schema;
          if (schema)
            expect(ajv.validate(schema, body), `${label}: ${ajv.errorsText()}`).toBe(true);
          answers.push(label);
        }
      }
    }
    // Each probe has one answer on every route it applies to.
    const bodyRoutes = Object.values(document.paths)
      .flatMap((ops) => Object.values(ops))
      .filter((op) => op.requestBody).length;
    const count = (why: string, status: number) =>
      answers.filter((a) => a.endsWith(`(${why}) → ${status}`)).length;
    expect(bodyRoutes).toBeGreaterThan(10);
    // The admin API refuses everyone before reading the body while auth is off, as this node runs
    // (decision 0025): its empty and wrong-shaped bodies are 403s.
    const adminBodyRoutes = Object.values(document.paths)
      .flatMap((ops) => Object.values(ops))
      .filter((op) => op.requestBody && op.tags?.includes('admin')).length;
    expect(adminBodyRoutes).toBe(5);
    expect(count('text/plain', 415)).toBe(bodyRoutes);
    expect(count('broken JSON', 400)).toBe(bodyRoutes);
    expect(count('no body', 400)).toBe(bodyRoutes - adminBodyRoutes);
    expect(count('no body', 403)).toBe(adminBodyRoutes);
    expect(count('wrong shape', 422)).toBe(bodyRoutes - adminBodyRoutes);
    expect(count('wrong shape', 403)).toBe(adminBodyRoutes);
    expect(count('over 40 MiB', 413)).toBe(bodyRoutes);
    const withParams = Object.entries(document.paths)
      .filter(([p]) => p.includes('{'))
      .flatMap(([, ops]) => Object.keys(ops)).length;
    expect(count('bad percent-encoding', 400)).toBe(withParams);
    const prototypeKeys = answers.filter((a) => a.includes('(prototype key '));
    expect(prototypeKeys.length).toBeGreaterThanOrEqual(withParams * 2);
    expect(prototypeKeys.filter((a) => a.endsWith('→ 500'))).toEqual([]);
  });
});

/**
 * A request announcing a body over the 40 MiB limit: the server answers from the headers and
 * closes, so the body is never sent (a client still writing it would see EPIPE, not the answer).
 */
function oversized(
  url: string,
  method: string,
): Promise<{ why: string; status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: method.toUpperCase(),
      headers: { 'content-type': 'application/json', 'content-length': 40 * 1024 * 1024 + 1 },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ why: 'over 40 MiB', status: res.statusCode!, body: JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/**
 * A validator of bodies against the document's schemas: each schema is compiled with the
 * document's components beside it, so its `#/components/schemas/…` references resolve.
 */
function validator(document: Document): {
  validate(schema: object, body: unknown): boolean;
  errorsText(): string;
} {
  // ajv-formats is CommonJS: its plugin is the default export's `default`.
  const ajv = formats.default(new Ajv2020({ strict: false, allErrors: true }));
  const compiled = new Map<object, ValidateFunction>();
  let last: ValidateFunction | undefined;
  return {
    validate(schema, body) {
      let validate = compiled.get(schema);
      if (!validate) {
        validate = ajv.compile({ ...schema, components: document.components });
        compiled.set(schema, validate);
      }
      last = validate;
      return validate(body);
    },
    errorsText: () => ajv.errorsText(last?.errors),
  };
}

/**
 * A documented path with values for its parameters: `collection` for the collection segment (an
 * id or a name, as the route takes) and a CRN's collection name, a missing collection otherwise.
 */
function concrete(template: string, collection = ''): string {
  const values: Record<string, string> = {
    tenant: 'default_tenant',
    database: 'default_database',
    collection_id: collection || '5f0c6b2e-8a4d-4c1e-9b7a-2d3e4f5a6b7c',
    crn: `default_tenant:default_database:${collection || 'none'}`,
    asset: 'swagger-ui.css',
  };
  return template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
}
