import { Code, RpcError } from '@huedb/grpc';

/*
 * The catalog's failures, with the codes its contract (proto/huedb/catalog/v1/catalog.proto)
 * names and messages worded like Chroma's where Chroma has one, so the gateway can pass them
 * through. Every service builds its errors here, so one wording serves every aggregate.
 */

export function invalid(message: string): RpcError {
  return new RpcError(Code.INVALID_ARGUMENT, message);
}

export function alreadyExists(message: string): RpcError {
  return new RpcError(Code.ALREADY_EXISTS, message);
}

export function failedPrecondition(message: string): RpcError {
  return new RpcError(Code.FAILED_PRECONDITION, message);
}

export function aborted(message: string): RpcError {
  return new RpcError(Code.ABORTED, message);
}

export function permissionDenied(message: string): RpcError {
  return new RpcError(Code.PERMISSION_DENIED, message);
}

export function tenantNotFound(name: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `Tenant [${name}] not found`);
}

export function databaseNotFound(name: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `Database [${name}] not found`);
}

export function collectionNotFound(nameOrId: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `Collection [${nameOrId}] does not exist`);
}
