import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { PermissionDeniedError, UnavailableError } from '@huedb/core';
import { BACKENDS, type Backends } from '../backends/backends.js';
import { GATEWAY_CONFIG } from '../gateway.tokens.js';
import type { GatewayConfig } from '../config.js';
import { TenantPlans } from '../plans/tenant-plans.js';
import { Context, type RequestContext } from '../context/request-context.js';
import * as res from '../http/response-schemas.js';
import { ApiRoute, errors } from '../openapi/contract.js';

/** The API version clients see (Chroma's clients only check that the call succeeds). */
export const API_VERSION = '1.0.0';

/** Heartbeat, readiness, version, pre-flight checks, identity and reset. */
@Controller('api/v2')
export class SystemController {
  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TenantPlans) private readonly plans: TenantPlans,
  ) {}

  /** `chroma run` answers GET /api/v2 with its heartbeat too. */
  @Get()
  @ApiRoute({
    operationId: 'root_heartbeat',
    summary: 'The heartbeat again (as `chroma run` answers GET /api/v2)',
    tags: ['system'],
    response: res.heartbeatSchema,
    errors: errors([500]),
  })
  root() {
    return this.heartbeat();
  }

  @Get('heartbeat')
  @ApiRoute({
    operationId: 'heartbeat',
    summary: 'Nanoseconds since the epoch',
    tags: ['system'],
    response: res.heartbeatSchema,
    errors: errors([500]),
  })
  heartbeat() {
    // Wall-clock nanoseconds since the epoch, as Chroma answers (clients only check it is a number).
    return { 'nanosecond heartbeat': Date.now() * 1_000_000 };
  }

  /** Ready when the catalog answers and at least one query node is live. */
  @Get('healthcheck')
  @ApiRoute({
    operationId: 'healthcheck',
    summary: 'Readiness: 200 when the catalog and a query node answer, 503 otherwise',
    tags: ['system'],
    response: res.healthcheckSchema,
    errors: errors('backend'),
  })
  async healthcheck() {
    try {
      const { members } = await this.backends.catalog.listMembers(
        { role: 'query', maxAgeMs: BigInt(this.config.memberMaxAgeMs) },
        { timeoutMs: 2_000 },
      );
      if (members.length === 0) throw new UnavailableError('No query node is live');
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError('The catalog is not reachable');
    }
    return { is_executor_ready: true, is_log_client_ready: true };
  }

  @Get('version')
  @ApiRoute({
    operationId: 'version',
    summary: 'API version',
    tags: ['system'],
    response: res.versionSchema,
    errors: errors([500]),
  })
  version() {
    return API_VERSION;
  }

  @Get('pre-flight-checks')
  @ApiRoute({
    operationId: 'pre_flight_checks',
    summary: 'Client limits: max_batch_size, base64 support',
    tags: ['system'],
    response: res.checklistSchema,
    errors: errors([500]),
  })
  async preflight(@Context() ctx: RequestContext) {
    // The route names no tenant: a key's own tenant's plan, else the deployment's default.
    const { principal } = ctx;
    const limits =
      principal.kind === 'authenticated' && principal.tenant !== null
        ? await this.plans.limitsOf(principal.tenant)
        : this.plans.defaultLimits;
    return { max_batch_size: limits.preflightMaxBatchSize, supports_base64_encoding: true };
  }

  @Get('auth/identity')
  @ApiRoute({
    operationId: 'get_user_identity',
    summary: 'The caller: user, tenant and databases',
    tags: ['system'],
    response: res.identitySchema,
    errors: errors([500]),
  })
  identity(@Context() ctx: RequestContext) {
    const principal = ctx.principal;
    // Anonymous (auth off): `chroma run`'s answer. Otherwise the credentials' grants, with
    // Chroma's `*` for "every": its clients adopt a tenant or database only when it is one name.
    if (principal.kind === 'anonymous') {
      return { user_id: '', tenant: 'default_tenant', databases: ['default_database'] };
    }
    return {
      user_id: principal.userId,
      tenant: principal.tenant ?? '*',
      databases: principal.databases.length > 0 ? [...principal.databases] : ['*'],
    };
  }

  @Post('reset')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'reset',
    summary: 'Delete everything (only when HUEDB_ALLOW_RESET is set; 403 otherwise)',
    tags: ['system'],
    response: res.resetSchema,
    errors: errors('backend', [403]),
  })
  async reset() {
    if (!this.config.allowReset) throw new PermissionDeniedError('Reset is disabled by config');
    await this.backends.catalog.reset({});
    // Plans went with the tenants: this gateway forgets its copies now (others within 10 s).
    this.plans.forgetAll();
    return true;
  }
}
