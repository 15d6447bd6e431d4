import { PermissionDeniedError } from '@huedb/core';
import type { Principal, Role } from '../context/request-context.js';

/**
 * What each route does, in Chroma's authorization action names (chromadb.auth.AuthzAction, the
 * names Chroma's authorization providers are given), plus two of HueDB's own:
 * - `open`: needs no credentials (health, version, the API's description) — as `chroma run`'s
 *   token provider leaves heartbeat and version open;
 * - `identity`: needs valid credentials but no grant (`/auth/identity` tells a caller who it is);
 * - `account`: the accounts API (services/gateway/src/accounts/), which authenticates its callers
 *   itself — a session cookie with its CSRF token, or a mailed token or password in the body — so
 *   the API-key guard does not run on it (its 401/403 are its own).
 * `tenant:update_tenant` and `collection:fork` are not in Chroma's list (Chroma has no such
 * routes guarded); they follow the same `<resource>:<verb>` pattern.
 */
export type Action =
  | 'open'
  | 'identity'
  | 'account'
  | 'system:reset'
  | 'tenant:create_tenant'
  | 'tenant:get_tenant'
  | 'tenant:update_tenant'
  | 'db:create_database'
  | 'db:get_database'
  | 'db:delete_database'
  | 'db:list_databases'
  | 'db:list_collections'
  | 'db:count_collections'
  | 'db:create_collection'
  | 'collection:get_collection'
  | 'collection:delete_collection'
  | 'collection:update_collection'
  | 'collection:fork'
  | 'collection:add'
  | 'collection:delete'
  | 'collection:get'
  | 'collection:query'
  | 'collection:count'
  | 'collection:update'
  | 'collection:upsert';

const TENANT = '/api/v2/tenants/:tenant';
const DB = `${TENANT}/databases/:database`;
const COLLECTION = `${DB}/collections/:id`;

/**
 * Every route of the gateway's Nest controllers, by `METHOD path` as Fastify names it. A route
 * missing here is refused to everyone but the bootstrap admin (fail closed); a spec checks that
 * every operation of the OpenAPI document is listed.
 */
export const ROUTE_ACTIONS: Readonly<Record<string, Action>> = {
  'GET /api/v2': 'open',
  'GET /api/v2/heartbeat': 'open',
  'GET /api/v2/healthcheck': 'open',
  'GET /api/v2/version': 'open',
  'GET /api/v2/pre-flight-checks': 'open',
  'GET /openapi.json': 'open',
  'GET /docs': 'open',
  'GET /docs/:asset': 'open',
  'GET /api/v2/auth/identity': 'identity',
  'POST /api/v2/accounts/signup': 'account',
  'POST /api/v2/accounts/verify': 'account',
  'POST /api/v2/accounts/login': 'account',
  'POST /api/v2/accounts/logout': 'account',
  'GET /api/v2/accounts/me': 'account',
  'POST /api/v2/accounts/password-reset': 'account',
  'POST /api/v2/accounts/password-reset/confirm': 'account',
  'POST /api/v2/accounts/invites/accept': 'account',
  'POST /api/v2/accounts/tenants/:tenant/invites': 'account',
  'POST /api/v2/accounts/tenants/:tenant/keys': 'account',
  'GET /api/v2/accounts/tenants/:tenant/keys': 'account',
  'DELETE /api/v2/accounts/tenants/:tenant/keys/:key_id': 'account',
  'POST /api/v2/reset': 'system:reset',
  'POST /api/v2/tenants': 'tenant:create_tenant',
  [`GET ${TENANT}`]: 'tenant:get_tenant',
  [`PATCH ${TENANT}`]: 'tenant:update_tenant',
  [`POST ${TENANT}/databases`]: 'db:create_database',
  [`GET ${TENANT}/databases`]: 'db:list_databases',
  [`GET ${DB}`]: 'db:get_database',
  [`DELETE ${DB}`]: 'db:delete_database',
  [`POST ${DB}/collections`]: 'db:create_collection',
  [`GET ${DB}/collections`]: 'db:list_collections',
  [`GET ${DB}/collections_count`]: 'db:count_collections',
  [`GET ${DB}/collections/by-id/:id`]: 'collection:get_collection',
  [`GET ${DB}/collections/:name`]: 'collection:get_collection',
  [`PUT ${COLLECTION}`]: 'collection:update_collection',
  [`DELETE ${DB}/collections/:name`]: 'collection:delete_collection',
  [`POST ${COLLECTION}/add`]: 'collection:add',
  [`POST ${COLLECTION}/upsert`]: 'collection:upsert',
  [`POST ${COLLECTION}/update`]: 'collection:update',
  [`POST ${COLLECTION}/delete`]: 'collection:delete',
  [`POST ${COLLECTION}/get`]: 'collection:get',
  [`POST ${COLLECTION}/query`]: 'collection:query',
  [`POST ${COLLECTION}/search`]: 'collection:query',
  [`GET ${COLLECTION}/count`]: 'collection:count',
  [`POST ${COLLECTION}/fork`]: 'collection:fork',
  [`GET ${COLLECTION}/fork_count`]: 'collection:get_collection',
  [`GET ${COLLECTION}/indexing_status`]: 'collection:get_collection',
  'GET /api/v2/collections/:crn': 'collection:get_collection',
};

/** The action of a route (`routeUrl` as Fastify's routeOptions.url), or undefined if unlisted. */
export function actionOf(method: string, routeUrl: string | undefined): Action | undefined {
  return routeUrl === undefined ? undefined : ROUTE_ACTIONS[`${method} ${routeUrl}`];
}

/**
 * The least role an action needs. Reads need `read`; writes of records and collections
 * `read_write`; databases and tenant settings `admin`. `global` actions (creating tenants,
 * reset) belong to the bootstrap admin only: a tenant's own admin must not make or wipe others.
 */
const NEEDS: Readonly<Record<Exclude<Action, 'open' | 'identity' | 'account'>, Role | 'global'>> = {
  'system:reset': 'global',
  'tenant:create_tenant': 'global',
  'tenant:get_tenant': 'read',
  'tenant:update_tenant': 'admin',
  'db:create_database': 'admin',
  'db:get_database': 'read',
  'db:delete_database': 'admin',
  'db:list_databases': 'read',
  'db:list_collections': 'read',
  'db:count_collections': 'read',
  'db:create_collection': 'read_write',
  'collection:get_collection': 'read',
  'collection:delete_collection': 'read_write',
  'collection:update_collection': 'read_write',
  'collection:fork': 'read_write',
  'collection:add': 'read_write',
  'collection:delete': 'read_write',
  'collection:get': 'read',
  'collection:query': 'read',
  'collection:count': 'read',
  'collection:update': 'read_write',
  'collection:upsert': 'read_write',
};

const RANK: Readonly<Record<Role, number>> = { read: 0, read_write: 1, admin: 2 };

/** What a route is about: the tenant and database its path (or CRN) names, if any. */
export interface Resource {
  readonly tenant: string | null;
  readonly database: string | null;
}

/** Chroma's 403 for credentials that do not reach what they asked for. */
export function permissionDenied(): PermissionDeniedError {
  return new PermissionDeniedError('Permission denied.');
}

/**
 * Whether `principal` may do `action` on `resource`; throws {@link permissionDenied} if not.
 * Anonymous principals reach here only with authentication off (or on open routes), where
 * everything is allowed, as `chroma run` without an auth provider. An unlisted action
 * (undefined) is allowed only to the bootstrap admin.
 */
export function authorize(
  principal: Principal,
  action: Action | undefined,
  resource: Resource,
): void {
  if (principal.kind === 'anonymous' || action === 'open' || action === 'identity') return;
  if (action === 'account') return;
  const global = principal.tenant === null && principal.role === 'admin';
  if (global) return;
  const needs = action === undefined ? 'global' : NEEDS[action];
  if (needs === 'global') throw permissionDenied();
  if (RANK[principal.role] < RANK[needs]) throw permissionDenied();
  if (resource.tenant !== null && resource.tenant !== principal.tenant) throw permissionDenied();
  if (principal.databases.length > 0) {
    // A database-scoped key may not change the tenant's set of databases, and may touch only
    // its own databases' contents.
    if (action === 'db:create_database' || action === 'db:delete_database') {
      if (resource.database === null || !principal.databases.includes(resource.database)) {
        throw permissionDenied();
      }
    }
    if (resource.database !== null && !principal.databases.includes(resource.database)) {
      throw permissionDenied();
    }
  }
}
