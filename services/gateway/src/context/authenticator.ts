import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, type Principal } from './request-context.js';

/** The injection token of the gateway's {@link Authenticator}. */
export const AUTHENTICATOR = Symbol('Authenticator');

/**
 * Turns a request's credentials into a {@link Principal}. This is where authentication plugs in:
 * RequestContextGuard calls it for every request before any handler runs. An implementation
 * reads what it needs (`authorization`, `x-chroma-token`, ...) and either returns the principal
 * or throws core's UnauthenticatedError (401); a principal that may not use the route's
 * tenant/database is refused by the guard with PermissionDeniedError (403).
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal>;
}

/** Everyone is anonymous and may do everything: `chroma run` without an auth provider. */
export class AnonymousAuthenticator implements Authenticator {
  authenticate(): Promise<Principal> {
    return Promise.resolve(ANONYMOUS);
  }
}
