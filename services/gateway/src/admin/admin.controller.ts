import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Context, type RequestContext } from '../context/request-context.js';
import { optionalInt } from '../http/query-params.js';
import { ApiRoute, errors } from '../openapi/contract.js';
import { AdminService } from './admin.service.js';
import * as schemas from './admin.schemas.js';
import { sendUsage, USAGE_QUERY, USAGE_RESPONSE, type UsageParams } from '../usage/usage-route.js';

const TAGS = ['admin'];
const OPERATOR = 'The bootstrap admin credential (HUEDB_ADMIN_TOKEN) only.';
const TENANT_ADMIN =
  'The bootstrap admin credential, or an API key with role admin in this tenant (not scoped to databases: membership and the audit log are tenant-wide). 403 for any other; with HUEDB_AUTH off, 403 for everyone.';
const KEY_ADMIN =
  'The bootstrap admin credential, or an API key with role admin in this tenant; a database-scoped one only within its databases. 403 for any other; with HUEDB_AUTH off, 403 for everyone.';

/**
 * The operator admin API (`/api/v2/admin/*`, decision 0025): users, tenants, members, API keys
 * and the audit log, with the bootstrap admin token or a tenant's admin key. Transport only: who
 * may call a route is the route policy's (auth/policy.ts), the rules {@link AdminService}'s.
 */
@Controller('api/v2/admin')
export class AdminController {
  constructor(@Inject(AdminService) private readonly service: AdminService) {}

  @Post('users')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'admin_create_user',
    summary: 'Create a user (verified unless email_verified is false)',
    description: `${OPERATOR} Without a password the user sets one through an invite or a password reset. 409 when the email is taken (ignoring case).`,
    tags: TAGS,
    body: schemas.createUserSchema,
    response: schemas.userSchema,
    errors: errors('body', 'backend', [401, 403, 409]),
  })
  createUser(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createUser(ctx, body);
  }

  @Get('users')
  @ApiRoute({
    operationId: 'admin_get_user',
    summary: 'Find a user by email (ignoring case)',
    description: `${OPERATOR} 400 without the email parameter, 404 when no user has it.`,
    tags: TAGS,
    query: schemas.USER_QUERY,
    response: schemas.userSchema,
    errors: errors('backend', [400, 401, 403, 404]),
  })
  getUser(@Query('email') email?: unknown) {
    return this.service.getUser(email);
  }

  @Post('tenants')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'admin_create_tenant',
    summary: 'Create a tenant with its default_database and, optionally, its owner',
    description: `${OPERATOR} 404 when owner_email names no user (nothing is created then), 409 when the tenant exists.`,
    tags: TAGS,
    body: schemas.createTenantSchema,
    response: schemas.createdTenantSchema,
    errors: errors('body', 'backend', [401, 403, 404, 409]),
  })
  createTenant(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createTenant(ctx, body);
  }

  @Post('tenants/:tenant/members')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'admin_add_member',
    summary: 'Add a user to the tenant as owner, admin or member',
    description: `${TENANT_ADMIN} Only the bootstrap admin makes owners. 404 for an unknown tenant or email, 409 when the user is a member already.`,
    tags: TAGS,
    body: schemas.addMemberSchema,
    response: schemas.memberAnswerSchema,
    errors: errors('path', 'body', 'backend', [401, 403, 404, 409]),
  })
  addMember(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.addMember(ctx, body);
  }

  @Get('tenants/:tenant/members')
  @ApiRoute({
    operationId: 'admin_list_members',
    summary: "The tenant's members",
    description: `${TENANT_ADMIN} 404 for an unknown tenant.`,
    tags: TAGS,
    response: schemas.memberListSchema,
    errors: errors('path', 'backend', [401, 403, 404]),
  })
  listMembers(@Context() ctx: RequestContext) {
    return this.service.listMembers(ctx);
  }

  @Post('tenants/:tenant/keys')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'admin_create_key',
    summary: 'Create an API key in the tenant; the answer is the only time its secret is shown',
    description: `${KEY_ADMIN} A key cannot mint one with more reach than its own (a higher role, a database outside its own, an unscoped key from a scoped one, a longer life). 404 for an unknown tenant.`,
    tags: TAGS,
    body: schemas.createKeySchema,
    response: schemas.createdKeySchema,
    errors: errors('path', 'body', 'backend', [401, 403, 404]),
  })
  createKey(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createKey(ctx, body);
  }

  @Get('tenants/:tenant/keys')
  @ApiRoute({
    operationId: 'admin_list_keys',
    summary: "The tenant's live API keys, without secrets",
    description: `${KEY_ADMIN} A database-scoped caller sees the keys within its databases. 404 for an unknown tenant.`,
    tags: TAGS,
    response: schemas.keyListSchema,
    errors: errors('path', 'backend', [401, 403, 404]),
  })
  listKeys(@Context() ctx: RequestContext) {
    return this.service.listKeys(ctx);
  }

  @Delete('tenants/:tenant/keys/:key_id')
  @ApiRoute({
    operationId: 'admin_revoke_key',
    summary: 'Revoke an API key now (every gateway refuses it within seconds)',
    description: `${KEY_ADMIN} 404 for an unknown tenant, or a key of another tenant or beyond the caller's reach.`,
    tags: TAGS,
    response: schemas.keyAnswerSchema,
    errors: errors('path', 'backend', [401, 403, 404]),
  })
  revokeKey(@Context() ctx: RequestContext, @Param('key_id') keyId: string) {
    return this.service.revokeKey(ctx, keyId);
  }

  @Get('tenants/:tenant/audit')
  @ApiRoute({
    operationId: 'admin_read_audit',
    summary: "The tenant's audit log, newest first",
    description: `${TENANT_ADMIN} limit: 1–1000 (default 100); before_ms: only entries appended before this time (the oldest at_ms of the previous page, to page back). 404 for an unknown tenant.`,
    tags: TAGS,
    query: schemas.AUDIT_QUERY,
    response: schemas.auditListSchema,
    errors: errors('path', 'backend', [400, 401, 403, 404]),
  })
  readAudit(
    @Context() ctx: RequestContext,
    @Query('limit') limit?: string,
    @Query('before_ms') beforeMs?: string,
  ) {
    return this.service.readAudit(ctx, {
      limit: optionalInt(limit, 'limit'),
      beforeMs: optionalInt(beforeMs, 'before_ms', Number.MAX_SAFE_INTEGER),
    });
  }

  @Put('tenants/:tenant/plan')
  @ApiRoute({
    operationId: 'admin_set_tenant_plan',
    summary: "Set the tenant's plan and per-limit overrides",
    description: `${OPERATOR} overrides replace any set before (absent: none); null lifts a limit. 400 for a plan the plan book does not hold, 404 for an unknown tenant. This gateway applies it at once, the others within 10 s (docs/decisions/0029-plans-and-quotas.md).`,
    tags: TAGS,
    body: schemas.setPlanSchema,
    response: schemas.planSchema,
    errors: errors('path', 'body', 'backend', [400, 401, 403, 404]),
  })
  setPlan(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.setPlan(ctx, body);
  }

  @Get('tenants/:tenant/plan')
  @ApiRoute({
    operationId: 'admin_get_tenant_plan',
    summary: "The tenant's plan, overrides and the limits that apply",
    description: `${TENANT_ADMIN} 404 for an unknown tenant.`,
    tags: TAGS,
    response: schemas.planSchema,
    errors: errors('path', 'backend', [401, 403, 404]),
  })
  getPlan(@Context() ctx: RequestContext) {
    return this.service.getPlan(ctx);
  }

  @Get('tenants/:tenant/usage')
  @ApiRoute({
    operationId: 'admin_read_usage',
    summary: "The tenant's metered usage over time, and its collections' stored sizes",
    description: `${TENANT_ADMIN} Hourly or daily buckets of requests, queries, records returned, records written and deleted, bytes written, compaction time and stored records/bytes (docs/decisions/0030-usage-metering.md); \`format=csv\` for CSV. 400 for a malformed or too wide range, 404 for an unknown tenant.`,
    tags: TAGS,
    query: USAGE_QUERY,
    response: USAGE_RESPONSE,
    errors: errors('path', 'backend', [400, 401, 403, 404]),
  })
  async readUsage(
    @Context() ctx: RequestContext,
    @Query() params: UsageParams,
    @Res() reply: FastifyReply,
  ) {
    await sendUsage(reply, await this.service.readUsage(ctx, params));
  }
}
