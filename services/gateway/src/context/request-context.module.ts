import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AnonymousAuthenticator, AUTHENTICATOR, type Authenticator } from './authenticator.js';
import { PrincipalScopeInterceptor } from './principal-scope.interceptor.js';
import { PlanGuard } from '../plans/plan.guard.js';
import { RequestContextGuard } from './request-context.guard.js';

/**
 * The request context of every route: RequestContextGuard as the global guard, with the
 * {@link Authenticator} given (anonymous by default; ApiKeyAuthenticator with HUEDB_AUTH), and
 * the principal carried into the gRPC request scope of the handler's backend calls; then the
 * tenant's plan and request rate (PlanGuard).
 */
@Module({})
export class RequestContextModule {
  static forRoot(authenticator: Authenticator = new AnonymousAuthenticator()): DynamicModule {
    return {
      module: RequestContextModule,
      providers: [
        { provide: AUTHENTICATOR, useValue: authenticator },
        { provide: APP_GUARD, useClass: RequestContextGuard },
        // After the context (global guards run in the order provided): the tenant's plan and
        // request rate, for routes the caller is allowed to call.
        { provide: APP_GUARD, useClass: PlanGuard },
        { provide: APP_INTERCEPTOR, useClass: PrincipalScopeInterceptor },
      ],
    };
  }
}
