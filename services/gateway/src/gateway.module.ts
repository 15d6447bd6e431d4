import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import type { Logger } from '@huedb/service';
import { AccountsModule } from './accounts/accounts.module.js';
import { AdminModule } from './admin/admin.module.js';
import { BACKENDS, type Backends } from './backends/backends.js';
import { CollectionsModule } from './collections/collections.module.js';
import type { GatewayConfig } from './config.js';
import type { Authenticator } from './context/authenticator.js';
import { RequestContextModule } from './context/request-context.module.js';
import { GATEWAY_CONFIG } from './gateway.tokens.js';
import { ChromaErrorFilter } from './http/error.filter.js';
import { JsonResponseInterceptor } from './http/json-response.interceptor.js';
import { CollectionConcurrency } from './plans/collection-concurrency.js';
import { CollectionSizes } from './plans/collection-sizes.js';
import { PLANS, TenantPlans, type Plans } from './plans/tenant-plans.js';
import { TenantRateLimiter } from './plans/tenant-rate-limiter.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { RecordsModule } from './records/records.module.js';
import { SystemModule } from './system/system.module.js';
import { UsageMeter } from './usage/usage-meter.js';
import { IdempotentWrites } from './idempotency/idempotency.interceptor.js';

/**
 * The gateway's root module, given its backends (gRPC or in-process), settings and plans: it
 * provides those to every feature module (global), installs the HTTP edge (request context guard,
 * Chroma's error format, JSON answers) and composes the feature modules.
 */
@Global()
@Module({})
export class GatewayModule {
  static forRoot(
    backends: Backends,
    config: GatewayConfig,
    plans: Plans,
    authenticator?: Authenticator,
    log?: Logger,
  ): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        RequestContextModule.forRoot(authenticator),
        SystemModule,
        CollectionsModule,
        RecordsModule,
        AccountsModule,
        AdminModule,
      ],
      controllers: [OpenApiController],
      providers: [
        { provide: BACKENDS, useValue: backends },
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: PLANS, useValue: plans },
        TenantPlans,
        CollectionSizes,
        CollectionConcurrency,
        {
          provide: TenantRateLimiter,
          useFactory: () => new TenantRateLimiter(backends.control, log),
        },
        {
          provide: UsageMeter,
          useFactory: () =>
            new UsageMeter(
              backends.control,
              log,
              config.usageFlushMs,
              config.usageMetering ?? true,
            ),
        },
        {
          provide: IdempotentWrites,
          useFactory: () =>
            new IdempotentWrites(
              backends.control,
              {
                ttlMs: config.idempotencyTtlMs ?? 86_400_000,
                // Longer than any write may run (its RPCs end at their deadline).
                leaseMs: Math.max(60_000, 2 * config.rpcTimeoutMs),
              },
              log,
            ),
        },
        { provide: APP_FILTER, useClass: ChromaErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: JsonResponseInterceptor },
      ],
      exports: [
        BACKENDS,
        GATEWAY_CONFIG,
        PLANS,
        TenantPlans,
        CollectionSizes,
        CollectionConcurrency,
        TenantRateLimiter,
        UsageMeter,
        IdempotentWrites,
      ],
    };
  }
}
