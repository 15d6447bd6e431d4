import { Code, RpcError } from '@huedb/grpc';

/*
 * The control plane's failures (codes as proto/huedb/control/v1/control.proto names them). A
 * credential that does not check out gets ONE message per kind of credential, whatever was wrong
 * (unknown, wrong secret, revoked, expired, used), so the answer tells a guesser nothing.
 */

export function unauthenticated(message: string): RpcError {
  return new RpcError(Code.UNAUTHENTICATED, message);
}

export const invalidCredentials = (): RpcError => unauthenticated('Invalid email or password');
export const invalidApiKey = (): RpcError => unauthenticated('Invalid API key');
export const invalidSession = (): RpcError => unauthenticated('Invalid or expired session');
export const invalidEmailToken = (): RpcError => unauthenticated('Invalid or expired token');

export function userNotFound(idOrEmail: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `User [${idOrEmail}] not found`);
}

export function apiKeyNotFound(id: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `API key [${id}] not found`);
}
