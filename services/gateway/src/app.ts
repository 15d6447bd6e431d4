import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { LoggerService } from '@nestjs/common';
import type { Limits } from '@huedb/core';
import { renderMetrics } from '@huedb/service';
import type { Backends } from './backends/backends.js';
import type { GatewayConfig } from './config.js';
import { GatewayModule } from './gateway.module.js';
import { BODY_LIMIT_BYTES, registerJsonBodyParser } from './http/json-body.js';

const V1_GONE = JSON.stringify({
  error: 'Unimplemented',
  message: 'The v1 API is deprecated. Please use /v2 apis',
});

/** Options of {@link createGatewayApp}. */
export interface GatewayAppOptions {
  /** Where Nest's own log lines go (default: Nest's console logger, errors and warnings). */
  logger?: LoggerService;
}

/**
 * Builds the gateway's HTTP application on the given backends. Used by the gateway process (gRPC
 * backends) and by single-node mode (in-process backends); call `listen` on the result.
 */
export async function createGatewayApp(
  backends: Backends,
  config: GatewayConfig,
  limits: Limits,
  options: GatewayAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, logger: false });
  const fastify = adapter.getInstance<FastifyInstance>();
  registerJsonBodyParser(fastify);
  // The v1 API is gone in Chroma ≥ 1.0; clients that still call it get Chroma's 410.
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/v1/') || request.url === '/api/v1') {
      await reply.status(410).header('content-type', 'application/json').send(V1_GONE);
    }
  });
  // Prometheus scrapes the process's registry on the API port: one port to expose per gateway.
  fastify.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await renderMetrics();
    await reply.header('content-type', contentType).send(body);
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(backends, config, limits),
    adapter,
    { bodyParser: false, logger: options.logger ?? ['error', 'warn'] },
  );
  return app;
}
