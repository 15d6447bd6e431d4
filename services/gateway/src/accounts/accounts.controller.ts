import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRoute, errors } from '../openapi/contract.js';
import { userJson } from './accounts.json.js';
import { AccountsService, type SessionCaller } from './accounts.service.js';
import * as schemas from './accounts.schemas.js';
import { LoginLimitedError } from './login-limiter.js';
import { sendUsage, USAGE_QUERY, USAGE_RESPONSE, type UsageParams } from '../usage/usage-route.js';
import {
  clearedCookies,
  CSRF_HEADER,
  csrfHeaderOf,
  isSecureRequest,
  sessionCookies,
  sessionTokenOf,
} from './session-cookie.js';

const TAGS = ['accounts'];
const SESSION_NOTE = `Authenticated by the session cookie from login; writes also need the ${CSRF_HEADER} header login answered.`;

/**
 * The accounts API (signup, verification, login, reset, invites, keys over a console session).
 * Transport only: cookies and the CSRF header here, the rules in {@link AccountsService}.
 */
@Controller('api/v2/accounts')
export class AccountsController {
  constructor(@Inject(AccountsService) private readonly service: AccountsService) {}

  @Post('signup')
  @HttpCode(202)
  @ApiRoute({
    operationId: 'accounts_signup',
    summary: 'Sign up with email and password',
    description:
      'With email verification on (the default), mails a verification link and answers 202 whether or not the address had an account. With it off, answers 201 with the new tenant, database and first API key (409 for a taken address). 403 when signup is off (invite-only).',
    tags: TAGS,
    body: schemas.credentialsSchema,
    response: schemas.acceptedSchema,
    errors: errors('body', 'backend', [403, 409]),
  })
  async signup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ) {
    const answer = await this.service.signup(body, request.id);
    void reply.status(answer.status);
    return answer.body;
  }

  @Post('verify')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'accounts_verify',
    summary: 'Verify the email address: creates the tenant, database and first API key',
    description:
      "The answer is the only time the key's secret is shown. 401 for an unknown, used or expired token.",
    tags: TAGS,
    body: schemas.tokenSchema,
    response: schemas.provisionedSchema,
    errors: errors('body', 'backend', [401, 409]),
  })
  verify(@Req() request: FastifyRequest, @Body() body: unknown) {
    return this.service.verify(body, request.id);
  }

  @Post('login')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'accounts_login',
    summary: 'Log in: sets the session cookie and answers the CSRF token',
    description: `401 for a wrong email or password (one message for both), 403 before verification, 429 after too many failed attempts for the account or from the address, counted across all gateways (Retry-After says when to try again), 503 when the attempts cannot be counted (the login is refused, not let through).`,
    tags: TAGS,
    body: schemas.credentialsSchema,
    response: schemas.sessionSchema,
    errors: errors('body', 'backend', [401, 403, 429]),
  })
  async login(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ) {
    try {
      const session = await this.service.login(body, request.ip);
      void reply.header('set-cookie', sessionCookies(session, this.secure(request)));
      return {
        user: userJson(session.user),
        csrf_token: session.csrfToken,
        expires_at_ms: session.expiresAtMs,
      };
    } catch (err) {
      if (err instanceof LoginLimitedError) {
        void reply.header('retry-after', String(err.retryAfterSeconds));
      }
      throw err;
    }
  }

  @Post('logout')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'accounts_logout',
    summary: 'Log out: ends the session and clears its cookies',
    description: SESSION_NOTE,
    tags: TAGS,
    response: schemas.acceptedSchema,
    errors: errors('backend', [401, 403]),
  })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.caller(request, true);
    await this.service.logout(sessionTokenOf(request.headers.cookie)!);
    void reply.header('set-cookie', clearedCookies(this.secure(request)));
    return { accepted: true };
  }

  @Get('me')
  @ApiRoute({
    operationId: 'accounts_me',
    summary: 'The logged-in user and their tenants',
    description: SESSION_NOTE,
    tags: TAGS,
    response: schemas.meSchema,
    errors: errors('backend', [401]),
  })
  async me(@Req() request: FastifyRequest) {
    const caller = await this.caller(request, false);
    return this.service.me(caller.user);
  }

  @Post('password-reset')
  @HttpCode(202)
  @ApiRoute({
    operationId: 'accounts_password_reset',
    summary: 'Mail a password reset link (202 whether or not the address has an account)',
    tags: TAGS,
    body: schemas.emailSchema,
    response: schemas.acceptedSchema,
    errors: errors('body', 'backend'),
  })
  requestReset(@Body() body: unknown) {
    return this.service.requestReset(body);
  }

  @Post('password-reset/confirm')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'accounts_password_reset_confirm',
    summary: 'Set a new password with the mailed token (ends every session of the user)',
    tags: TAGS,
    body: schemas.resetConfirmSchema,
    response: schemas.userOnlySchema,
    errors: errors('body', 'backend', [401]),
  })
  confirmReset(@Body() body: unknown) {
    return this.service.confirmReset(body);
  }

  @Post('tenants/:tenant/keys')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'accounts_create_key',
    summary:
      'Create an API key in a tenant (owners and admins); the answer is the only time its secret is shown',
    description: SESSION_NOTE,
    tags: TAGS,
    body: schemas.createKeySchema,
    response: schemas.createdKeySchema,
    errors: errors('path', 'body', 'backend', [401, 403, 404]),
  })
  async createKey(
    @Req() request: FastifyRequest,
    @Param('tenant') tenant: string,
    @Body() body: unknown,
  ) {
    return this.service.createKey(() => this.caller(request, true), tenant, body);
  }

  @Get('tenants/:tenant/keys')
  @ApiRoute({
    operationId: 'accounts_list_keys',
    summary: "A tenant's API keys, without secrets (owners and admins)",
    description: SESSION_NOTE,
    tags: TAGS,
    response: schemas.keyListSchema,
    errors: errors('path', 'backend', [401, 403]),
  })
  async listKeys(@Req() request: FastifyRequest, @Param('tenant') tenant: string) {
    return this.service.listKeys(await this.caller(request, false), tenant);
  }

  @Delete('tenants/:tenant/keys/:key_id')
  @ApiRoute({
    operationId: 'accounts_revoke_key',
    summary: 'Revoke an API key now (owners and admins)',
    description: SESSION_NOTE,
    tags: TAGS,
    response: schemas.keyAnswerSchema,
    errors: errors('path', 'backend', [401, 403, 404]),
  })
  async revokeKey(
    @Req() request: FastifyRequest,
    @Param('tenant') tenant: string,
    @Param('key_id') keyId: string,
  ) {
    return this.service.revokeKey(await this.caller(request, true), tenant, keyId);
  }

  @Post('tenants/:tenant/invites')
  @HttpCode(202)
  @ApiRoute({
    operationId: 'accounts_invite',
    summary: 'Mail an invite to join a tenant as admin or member (owners and admins)',
    description: SESSION_NOTE,
    tags: TAGS,
    body: schemas.inviteSchema,
    response: schemas.acceptedSchema,
    errors: errors('path', 'body', 'backend', [401, 403, 404]),
  })
  async invite(
    @Req() request: FastifyRequest,
    @Param('tenant') tenant: string,
    @Body() body: unknown,
  ) {
    return this.service.invite(() => this.caller(request, true), tenant, body);
  }

  @Get('tenants/:tenant/usage')
  @ApiRoute({
    operationId: 'accounts_read_usage',
    summary: "The tenant's metered usage over time and its collections' stored sizes (any member)",
    description: `${SESSION_NOTE} The same answer as the admin API's usage route; \`format=csv\` for CSV.`,
    tags: TAGS,
    query: USAGE_QUERY,
    response: USAGE_RESPONSE,
    errors: errors('path', 'backend', [400, 401, 403, 404]),
  })
  async readUsage(
    @Req() request: FastifyRequest,
    @Param('tenant') tenant: string,
    @Query() params: UsageParams,
    @Res() reply: FastifyReply,
  ) {
    const answer = await this.service.readUsage(await this.caller(request, false), tenant, params);
    await sendUsage(reply, answer);
  }

  @Post('invites/accept')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'accounts_accept_invite',
    summary: 'Accept an invite with the mailed token',
    description:
      'The membership goes to the invited address; an address without an account needs `password`, which creates one. Works while signup is off. With a session cookie, the CSRF header is required too.',
    tags: TAGS,
    body: schemas.acceptInviteSchema,
    response: schemas.membershipAnswerSchema,
    errors: errors('body', 'backend', [401, 403]),
  })
  async acceptInvite(@Req() request: FastifyRequest, @Body() body: unknown) {
    // A request carrying a session is cookie-authenticated: it needs its CSRF token like any write.
    const session = sessionTokenOf(request.headers.cookie)
      ? () => this.caller(request, true)
      : undefined;
    return this.service.acceptInvite(body, request.id, session);
  }

  private async caller(request: FastifyRequest, write: boolean): Promise<SessionCaller> {
    const user = await this.service.resolveSession(
      sessionTokenOf(request.headers.cookie),
      csrfHeaderOf(request.headers[CSRF_HEADER]),
      write,
    );
    return { user, requestId: request.id };
  }

  private secure(request: FastifyRequest): boolean {
    return isSecureRequest({
      protocol: request.protocol,
      forwardedProto: request.headers['x-forwarded-proto'],
      trustProxyTls: this.service.settings.trustProxyTls,
      publicUrl: this.service.settings.publicUrl,
    });
  }
}
