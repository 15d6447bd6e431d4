import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AUTHENTICATOR, type Authenticator } from './authenticator.js';
import { attachRequestContext } from './request-context.js';

/**
 * The global guard: builds every request's RequestContext before its handler runs — the request
 * id (assigned when the request arrived, see request-id.ts), the tenant and database of the
 * route's path, and the principal from the {@link Authenticator} — and attaches it to the request.
 * Authorization (may this principal use this tenant/database?) belongs here too, once principals
 * carry grants; today the anonymous principal may use everything, as `chroma run` allows.
 */
@Injectable()
export class RequestContextGuard implements CanActivate {
  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  async canActivate(host: ExecutionContext): Promise<boolean> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const params = (request.params ?? {}) as { tenant?: string; database?: string };
    const principal = await this.authenticator.authenticate(request);
    attachRequestContext(request, {
      requestId: request.id,
      tenant: params.tenant ?? null,
      database: params.database ?? null,
      principal,
    });
    return true;
  }
}
