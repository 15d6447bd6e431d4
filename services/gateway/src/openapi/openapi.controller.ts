import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@huedb/core';
import { RawJson } from '../http/raw-json.js';
import { openApiSchema } from '../http/response-schemas.js';
import { ApiRoute, errors } from './contract.js';

/**
 * The committed OpenAPI document, generated from the routes' contracts by `make openapi` (and
 * checked against them by `make check`): served as it is, byte for byte.
 */
export const OPENAPI_FILE = new URL('../../openapi.json', import.meta.url);

const swaggerDir = path.dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);
/** A Map, not an object literal: `__proto__` or `constructor` must not name a file. */
const ASSETS = new Map([
  ['swagger-ui.css', 'text/css'],
  ['swagger-ui-bundle.js', 'application/javascript'],
]);
const DOCS_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>HueDB API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script></body></html>`;

/** /openapi.json and a self-hosted Swagger UI at /docs (no CDN: it works offline). */
@Controller()
export class OpenApiController {
  private readonly document = new RawJson(readFileSync(OPENAPI_FILE, 'utf8'));

  @Get('openapi.json')
  @ApiRoute({
    operationId: 'openapi_document',
    summary: 'This document',
    tags: ['docs'],
    response: openApiSchema,
    errors: errors([500]),
  })
  openapi() {
    return this.document;
  }

  @Get('docs')
  @ApiRoute({
    operationId: 'docs_page',
    summary: 'Swagger UI over this document (self-hosted, works offline)',
    tags: ['docs'],
    response: { mediaTypes: ['text/html'], schema: { type: 'string' } },
    errors: errors([500]),
  })
  docs(@Res() reply: FastifyReply) {
    void reply.header('content-type', 'text/html; charset=utf-8').send(DOCS_HTML);
  }

  @Get('docs/:asset')
  @ApiRoute({
    operationId: 'docs_asset',
    summary: 'A Swagger UI file (swagger-ui.css, swagger-ui-bundle.js)',
    tags: ['docs'],
    response: { mediaTypes: [...ASSETS.values()], schema: { type: 'string' } },
    errors: errors('path', [404, 500]),
  })
  @Header('cache-control', 'public, max-age=86400')
  async asset(@Param('asset') asset: string, @Res() reply: FastifyReply) {
    const type = ASSETS.get(asset);
    if (!type) throw new NotFoundError(`No such file: ${asset}`);
    void reply.header('content-type', type).send(await readFile(path.join(swaggerDir, asset)));
  }
}
