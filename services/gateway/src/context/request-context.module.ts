import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AnonymousAuthenticator, AUTHENTICATOR, type Authenticator } from './authenticator.js';
import { RequestContextGuard } from './request-context.guard.js';

/**
 * The request context of every route: RequestContextGuard as the global guard, with the
 * {@link Authenticator} given (anonymous by default — the seam the identity work fills).
 */
@Module({})
export class RequestContextModule {
  static forRoot(authenticator: Authenticator = new AnonymousAuthenticator()): DynamicModule {
    return {
      module: RequestContextModule,
      providers: [
        { provide: AUTHENTICATOR, useValue: authenticator },
        { provide: APP_GUARD, useClass: RequestContextGuard },
      ],
    };
  }
}
