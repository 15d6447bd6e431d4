import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { actionOf, authorize, type Resource } from '../auth/policy.js';
import { AUTHENTICATOR, type Authenticator } from './authenticator.js';
import { ANONYMOUS, attachRequestContext } from './request-context.js';

/**
 * The global guard: builds every request's RequestContext before its handler runs — the request
 * id (assigned when the request arrived, see request-id.ts), the tenant and database of the
 * route's path, and the principal from the {@link Authenticator} — attaches it to the request,
 * and authorizes the route's action (auth/policy.ts) for that principal. Open routes (heartbeat,
 * version, ...) skip the authenticator: they answer whatever credentials are sent, or none.
 * A refusal throws before the handler runs, so nothing changes on a refused request.
 */
@Injectable()
export class RequestContextGuard implements CanActivate {
  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  async canActivate(host: ExecutionContext): Promise<boolean> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const params = (request.params ?? {}) as {
      tenant?: string;
      database?: string;
      crn?: string;
    };
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const action = actionOf(method, request.routeOptions.url);
    const principal =
      action === 'open' || action === 'account'
        ? ANONYMOUS
        : await this.authenticator.authenticate(request);
    authorize(principal, action, resourceOf(params));
    attachRequestContext(request, {
      requestId: request.id,
      tenant: params.tenant ?? null,
      database: params.database ?? null,
      principal,
    });
    return true;
  }
}

/** The tenant and database a route's path names: its params, or a CRN's first two parts. */
function resourceOf(params: { tenant?: string; database?: string; crn?: string }): Resource {
  if (params.crn !== undefined) {
    // `tenant_resource_name:database:collection`
    const [tenant, database] = params.crn.split(':');
    return { tenant: tenant ?? '', database: database ?? null };
  }
  return { tenant: params.tenant ?? null, database: params.database ?? null };
}
