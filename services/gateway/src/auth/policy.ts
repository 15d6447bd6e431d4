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
 * routes guarded); they follow the same `<resource>:<verb>` pattern, as do the `admin:*` actions
 * of the operator admin API (services/gateway/src/admin/, decision 0025).
 */
export type Action =
  | 'open'
  | 'identity'
  | 'account'
  | 'system:reset'
  | 'tenant:create_tenant'
  | 'tenant:get_tenant'
  | 'tenant:update_tenant'
  | 'tenant:read_usage'
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
  | 'collection:upsert'
  | AdminAction;

/** The operator admin API's actions (`/api/v2/admin/*`). */
export type AdminAction =
  | 'admin:create_user'
  | 'admin:get_user'
  | 'admin:create_tenant'
  | 'admin:add_member'
  | 'admin:list_members'
  | 'admin:create_key'
  | 'admin:list_keys'
  | 'admin:revoke_key'
  | 'admin:read_audit'
  | 'admin:set_plan'
  | 'admin:get_plan'
  | 'admin:read_usage';

const TENANT = '/api/v2/tenants/:tenant';
const DB = `${TENANT}/databases/:database`;
const COLLECTION = `${DB}/collections/:id`;
const ADMIN_TENANT = '/api/v2/admin/tenants/:tenant';

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
  'GET /api/v2/accounts/tenants/:tenant/usage': 'account',
  'POST /api/v2/accounts/tenants/:tenant/keys': 'account',
  'GET /api/v2/accounts/tenants/:tenant/keys': 'account',
  'DELETE /api/v2/accounts/tenants/:tenant/keys/:key_id': 'account',
  'POST /api/v2/reset': 'system:reset',
  'POST /api/v2/tenants': 'tenant:create_tenant',
  [`GET ${TENANT}`]: 'tenant:get_tenant',
  [`GET ${TENANT}/usage`]: 'tenant:read_usage',
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
  'POST /api/v2/admin/users': 'admin:create_user',
  'GET /api/v2/admin/users': 'admin:get_user',
  'POST /api/v2/admin/tenants': 'admin:create_tenant',
  [`POST ${ADMIN_TENANT}/members`]: 'admin:add_member',
  [`GET ${ADMIN_TENANT}/members`]: 'admin:list_members',
  [`POST ${ADMIN_TENANT}/keys`]: 'admin:create_key',
  [`GET ${ADMIN_TENANT}/keys`]: 'admin:list_keys',
  [`DELETE ${ADMIN_TENANT}/keys/:key_id`]: 'admin:revoke_key',
  [`GET ${ADMIN_TENANT}/audit`]: 'admin:read_audit',
  [`PUT ${ADMIN_TENANT}/plan`]: 'admin:set_plan',
  [`GET ${ADMIN_TENANT}/plan`]: 'admin:get_plan',
  [`GET ${ADMIN_TENANT}/usage`]: 'admin:read_usage',
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
  // What a tenant used is its admins' business (billing), as its plan is.
  'tenant:read_usage': 'admin',
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
  // Users and tenants are the operator's; a tenant's admin key manages that tenant's members,
  // keys and audit log (and, database-scoped, only keys: see TENANT_WIDE).
  'admin:create_user': 'global',
  'admin:get_user': 'global',
  'admin:create_tenant': 'global',
  'admin:add_member': 'admin',
  'admin:list_members': 'admin',
  'admin:create_key': 'admin',
  'admin:list_keys': 'admin',
  'admin:revoke_key': 'admin',
  'admin:read_audit': 'admin',
  // A tenant must not raise its own limits; its admins may read them.
  'admin:set_plan': 'global',
  'admin:get_plan': 'admin',
  'admin:read_usage': 'admin',
};

/**
 * Admin actions about the whole tenant, refused to database-scoped keys: a membership reaches
 * every database (its owner or admin can mint unscoped keys over a session), and the audit log
 * names every database's changes.
 */
const TENANT_WIDE: ReadonlySet<Action> = new Set([
  'admin:add_member',
  'admin:list_members',
  'admin:read_audit',
  'admin:read_usage',
]);

/** Whether an action is one of the operator admin API's. */
export function isAdminAction(action: Action | undefined): action is AdminAction {
  return action !== undefined && action.startsWith('admin:');
}

/** Roles by reach: a role may do what every lower one may. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { read: 0, read_write: 1, admin: 2 };

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
 * The admin API's 403 with authentication off: it makes users, tenants and credentials, and with
 * no identity there is no one to allow that to (decision 0025).
 */
export function adminNeedsAuth(): PermissionDeniedError {
  return new PermissionDeniedError(
    'Permission denied: the admin API needs authentication on (HUEDB_AUTH=true)',
  );
}

/**
 * Whether `principal` may do `action` on `resource`; throws {@link permissionDenied} if not.
 * Anonymous principals reach here only with authentication off (or on open routes), where
 * everything is allowed, as `chroma run` without an auth provider — except the admin API, which
 * is refused to everyone then. An unlisted action (undefined) is allowed only to the bootstrap
 * admin.
 */
export function authorize(
  principal: Principal,
  action: Action | undefined,
  resource: Resource,
): void {
  if (principal.kind === 'anonymous') {
    if (isAdminAction(action)) throw adminNeedsAuth();
    return;
  }
  if (action === 'open' || action === 'identity') return;
  if (action === 'account') return;
  const global = principal.tenant === null && principal.role === 'admin';
  if (global) return;
  const needs = action === undefined ? 'global' : NEEDS[action];
  if (needs === 'global') throw permissionDenied();
  if (ROLE_RANK[principal.role] < ROLE_RANK[needs]) throw permissionDenied();
  if (resource.tenant !== null && resource.tenant !== principal.tenant) throw permissionDenied();
  if (principal.databases.length > 0) {
    if (TENANT_WIDE.has(action!)) throw permissionDenied();
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
