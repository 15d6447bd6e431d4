import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@huedb/core';
import { API_VERSION } from '../system/system.controller.js';
import { openApiDocument } from './openapi.document.js';

const swaggerDir = path.dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
};
const DOCS_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>HueDB API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script></body></html>`;

/** /openapi.json and a self-hosted Swagger UI at /docs (no CDN: it works offline). */
@Controller()
export class OpenApiController {
  private readonly document = openApiDocument(API_VERSION);

  @Get('openapi.json')
  openapi() {
    return this.document;
  }

  @Get('docs')
  docs(@Res() reply: FastifyReply) {
    void reply.header('content-type', 'text/html; charset=utf-8').send(DOCS_HTML);
  }

  @Get('docs/:asset')
  @Header('cache-control', 'public, max-age=86400')
  async asset(@Param('asset') asset: string, @Res() reply: FastifyReply) {
    const type = ASSETS[asset];
    if (!type) throw new NotFoundError(`No such file: ${asset}`);
    void reply.header('content-type', type).send(await readFile(path.join(swaggerDir, asset)));
  }
}
