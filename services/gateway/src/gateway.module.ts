import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import type { Limits } from '@huedb/core';
import { BACKENDS, type Backends } from './backends/backends.js';
import { CollectionExtrasController } from './collections/collection-extras.controller.js';
import { CollectionExtrasService } from './collections/collection-extras.service.js';
import { CollectionsController } from './collections/collections.controller.js';
import { CollectionsService } from './collections/collections.service.js';
import type { GatewayConfig } from './config.js';
import { GATEWAY_CONFIG } from './gateway.tokens.js';
import { ChromaErrorFilter } from './http/error.filter.js';
import { JsonResponseInterceptor } from './http/json-response.interceptor.js';
import { LIMITS } from './limits.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { RecordsController } from './records/records.controller.js';
import { RecordsService } from './records/records.service.js';
import { SystemController } from './system/system.controller.js';

/** The gateway's Nest module, given its backends (gRPC or in-process), settings and limits. */
@Module({})
export class GatewayModule {
  static forRoot(backends: Backends, config: GatewayConfig, limits: Limits): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [
        SystemController,
        CollectionsController,
        CollectionExtrasController,
        RecordsController,
        OpenApiController,
      ],
      providers: [
        { provide: BACKENDS, useValue: backends },
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LIMITS, useValue: limits },
        { provide: APP_FILTER, useClass: ChromaErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: JsonResponseInterceptor },
        CollectionsService,
        CollectionExtrasService,
        RecordsService,
      ],
    };
  }
}
