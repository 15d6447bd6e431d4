import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { currentScope, runInScope } from '@huedb/grpc';
import { findRequestContext } from './request-context.js';

/**
 * Puts the request's principal into the gRPC request scope (@huedb/grpc, decision 0016), so
 * every backend call the handler makes carries who asked (tenant, subject, role) in its
 * metadata. Nest binds the handler's async context when `next.handle()` is called, so calling it
 * inside runInScope is enough. Anonymous requests keep the scope as it is (request id only).
 */
@Injectable()
export class PrincipalScopeInterceptor implements NestInterceptor {
  intercept(host: ExecutionContext, next: CallHandler): Observable<unknown> {
    const context = findRequestContext(host.switchToHttp().getRequest<FastifyRequest>());
    const principal = context?.principal;
    if (!principal || principal.kind === 'anonymous') return next.handle();
    const scope = {
      ...currentScope(),
      principal: {
        tenant: principal.tenant ?? undefined,
        subject: principal.subject,
        role: principal.role,
      },
    };
    return runInScope(scope, () => next.handle());
  }
}
