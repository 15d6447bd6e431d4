import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BACKENDS, type Backends } from '../backends/backends.js';
import { Context, tenantOf, type RequestContext } from '../context/request-context.js';
import { ApiRoute, errors } from '../openapi/contract.js';
import { UsageMeter } from './usage-meter.js';
import {
  readUsage,
  sendUsage,
  USAGE_QUERY,
  USAGE_RESPONSE,
  type UsageParams,
} from './usage-route.js';

/**
 * `GET /api/v2/tenants/{tenant}/usage`: the tenant's metered usage for an API key with role
 * admin in it (not HueDB's operator route, which is /api/v2/admin/tenants/{tenant}/usage), and
 * for everyone when authentication is off (single-node on a laptop). Chroma has no such route.
 */
@Controller('api/v2/tenants/:tenant')
export class TenantUsageController {
  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(UsageMeter) private readonly meter: UsageMeter,
  ) {}

  @Get('usage')
  @ApiRoute({
    operationId: 'tenant_read_usage',
    summary: "The tenant's metered usage over time and its collections' stored sizes",
    description:
      'An API key with role admin in the tenant (or anyone with authentication off). The same answer as /api/v2/admin/tenants/{tenant}/usage; `format=csv` for CSV. 400 for a malformed or too wide range, 404 for an unknown tenant (docs/decisions/0030-usage-metering.md).',
    tags: ['usage'],
    query: USAGE_QUERY,
    response: USAGE_RESPONSE,
    errors: errors('path', 'backend', [400, 401, 403, 404]),
  })
  async readUsage(
    @Context() ctx: RequestContext,
    @Query() params: UsageParams,
    @Res() reply: FastifyReply,
  ) {
    await sendUsage(reply, await readUsage(this.backends, this.meter, tenantOf(ctx), params));
  }
}
