import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { InternalError } from '@huedb/core';
import type { FastifyRequest } from 'fastify';

/** What a principal may do in its tenant (an API key's role; decision 0022). */
export type Role = 'read' | 'read_write' | 'admin';

/**
 * Who is calling. Anonymous when authentication is off (HUEDB_AUTH=false, as `chroma run`) or on
 * the open routes (heartbeat, version, ...); otherwise whom the credentials name and what they
 * grant: one tenant (or every tenant, for the bootstrap admin credential), optionally a list of
 * its databases, and a role.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'authenticated';
      /** The subject the credentials name: `key:<key id>`, `admin`, `user:<uuid>`. */
      readonly subject: string;
      /** The user behind the credentials (`/auth/identity`'s `user_id`); '' when none. */
      readonly userId: string;
      /** The one tenant it acts in; null = every tenant (the bootstrap admin credential). */
      readonly tenant: string | null;
      /** The databases of `tenant` it is limited to; empty = all of them. */
      readonly databases: readonly string[];
      /** What it may do there. */
      readonly role: Role;
      /** When the credentials stop working by themselves (epoch ms); absent = never. */
      readonly expiresAtMs?: number;
    };

/** The principal of a request that presented no credentials. */
export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

/**
 * What the gateway knows about one HTTP request, built once by RequestContextGuard before any
 * handler runs and read by handlers through {@link Context}. Services take it instead of loose
 * tenant/database strings, so what a backend call is made on behalf of (request id, principal)
 * can travel with it (gRPC call metadata) without changing every signature again.
 */
export interface RequestContext {
  /** The request's id: the caller's `x-request-id` when sane, else generated. Echoed back. */
  readonly requestId: string;
  /** The tenant named by the route's path (`:tenant`), or null on routes without one. */
  readonly tenant: string | null;
  /** The database named by the route's path (`:database`), or null on routes without one. */
  readonly database: string | null;
  /** Who is calling. */
  readonly principal: Principal;
}

/** A tenant and database, as the routes under `/tenants/:tenant/databases/:database` have. */
export interface DatabaseScope {
  readonly tenant: string;
  readonly database: string;
}

const contexts = new WeakMap<object, RequestContext>();

/** Attaches `context` to `request` (RequestContextGuard does, once per request). */
export function attachRequestContext(request: FastifyRequest, context: RequestContext): void {
  contexts.set(request, context);
}

/** The context attached to `request`, or undefined before the guard ran (or when it refused). */
export function findRequestContext(request: FastifyRequest): RequestContext | undefined {
  return contexts.get(request);
}

/** The tenant of a route that has one; a route without `:tenant` asking for it is a bug. */
export function tenantOf(context: RequestContext): string {
  if (context.tenant === null) throw new InternalError('This route names no tenant');
  return context.tenant;
}

/** The tenant and database of a route under `/tenants/:tenant/databases/:database`. */
export function databaseScopeOf(context: RequestContext): DatabaseScope {
  if (context.database === null) throw new InternalError('This route names no database');
  return { tenant: tenantOf(context), database: context.database };
}

/**
 * The handler parameter holding the request's {@link RequestContext}. The guard is global, so
 * every route has one; its absence is a wiring bug (500), never a client error.
 */
export const Context = createParamDecorator(
  (_data: unknown, host: ExecutionContext): RequestContext => {
    const context = findRequestContext(host.switchToHttp().getRequest<FastifyRequest>());
    if (!context) throw new InternalError('No request context: RequestContextGuard did not run');
    return context;
  },
);
