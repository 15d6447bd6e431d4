import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { LIMIT_PROFILES } from '@huedb/core';
import { createGatewayApp } from '../app.js';
import type { Backends } from '../backends/backends.js';
import { loadGatewayConfig } from '../config.js';
import { fixedPlans } from '../plans/tenant-plans.js';
import { OPENAPI_FILE } from './openapi.controller.js';
import { openApiPath } from './openapi.document.js';

type Document = {
  paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>>;
};

/** Fastify routes outside the Chroma API, registered by app.ts before Nest's. */
const NOT_API = new Set(['GET /metrics']);

/**
 * The committed document against the routes the real application registers (Nest's router on
 * Fastify, collected as they are registered): every route is documented with its method and
 * path, and every documented operation is a route. Nothing is called, so the backends are never
 * touched.
 */
describe('services/gateway/openapi.json', () => {
  const registered: { method: string; url: string }[] = [];
  let app: NestFastifyApplication;
  const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Document;

  beforeAll(async () => {
    app = await createGatewayApp(
      {} as Backends,
      loadGatewayConfig({}),
      fixedPlans(LIMIT_PROFILES.pro),
      {
        logger: false as never,
      },
    );
    // Nest registers its routes on init, after this hook is in place. (Nest's adapter types
    // Fastify from its own copy of fastify's types, hence the cast.)
    const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    await app.init();
  });
  afterAll(() => app?.close());

  const documented = () =>
    Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
  // Fastify adds a HEAD route beside every GET by itself; it is not part of the contract.
  const routes = () =>
    registered
      .filter((r) => r.method !== 'HEAD' && !NOT_API.has(`${r.method} ${r.url}`))
      .map((r) => `${r.method} ${openApiPath(r.url)}`);

  it('documents every registered route, and no route that is not registered', () => {
    expect(registered.length).toBeGreaterThan(30);
    expect(new Set(routes()).size).toBe(routes().length);
    expect(routes().sort()).toEqual(documented().sort());
  });

  it("lists each route's path parameters, and only those", () => {
    for (const [path, ops] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const declared = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared, `${method} ${path}`).toEqual(inPath);
      }
    }
  });

  it('refers only to components it has, and has only components it refers to', () => {
    const text = JSON.stringify(document);
    const refs = new Set(
      [...text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]),
    );
    const components = Object.keys(
      (document as unknown as { components: { schemas: object } }).components.schemas,
    );
    expect([...refs].sort()).toEqual(components.sort());
    expect(components).toEqual(expect.arrayContaining(['Collection', 'ErrorResponse', 'HashMap']));
  });

  it('names the collection segment as Chroma does, whatever the route calls it', () => {
    expect(openApiPath('/api/v2/tenants/:tenant/databases/:database/collections/:name/get')).toBe(
      '/api/v2/tenants/{tenant}/databases/{database}/collections/{collection_id}/get',
    );
    expect(openApiPath('/api/v2/collections/:crn')).toBe('/api/v2/collections/{crn}');
  });
});
