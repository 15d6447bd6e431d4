import { SetMetadata } from '@nestjs/common';

/**
 * The HTTP contract of one route, declared once, next to the route's `@Get`/`@Post`
 * (docs/decisions/0014-http-schema.md). Method, path and success status come from Nest's own
 * decorators (`@HttpCode`, or Nest's default: 201 for POST, 200 otherwise); everything else
 * comes from here. services/gateway/openapi.json is generated from these declarations
 * (`make openapi`), and a route without one fails the generator.
 */
export interface RouteContract {
  /** Chroma's operationId where Chroma has the route; a HueDB name otherwise. */
  operationId: string;
  summary: string;
  /** Longer prose, e.g. a deliberate difference from Chroma (docs/compatibility.md). */
  description?: string;
  tags: readonly string[];
  /** JSON Schema of the request body; a route with one requires a body. */
  body?: object;
  /** Query parameters: name → JSON Schema (all optional). */
  query?: Readonly<Record<string, object>>;
  /** Request headers the route reads: name → JSON Schema and meaning (all optional). */
  headers?: Readonly<Record<string, { readonly schema: object; readonly description: string }>>;
  /**
   * The success answer: a JSON Schema of an application/json body, other media types sharing
   * one schema, or a schema per media type (`content`).
   */
  response:
    | object
    | { readonly mediaTypes: readonly string[]; readonly schema: object }
    | { readonly content: Readonly<Record<string, object>> };
  /** Every error status the route can answer; each has Chroma's `{"error","message"}` body. */
  errors: readonly ErrorStatus[];
}

/** The metadata key {@link ApiRoute} stores a {@link RouteContract} under. */
export const ROUTE_CONTRACT = 'huedb:route-contract';

/**
 * Declares a route's contract (see {@link RouteContract}).
 * @param contract - the route's schemas and statuses
 */
export const ApiRoute = (contract: RouteContract): MethodDecorator =>
  SetMetadata(ROUTE_CONTRACT, contract);

/**
 * The error statuses operations answer and what each means; the table also fixes the order in
 * which they are listed. Answers before routing, for any path, are not per operation and not
 * listed: 431 (request line or headers over 16 KiB), 408, 400 for unparseable HTTP, 404/405 for
 * paths and methods no route serves, 410 for the v1 API.
 */
export const ERROR_STATUSES = {
  400: 'Invalid argument: a body that is not JSON, a bad name, id, length or filter, a bad query parameter or URL',
  401: 'No valid credentials: none, malformed, unknown, revoked or expired (HUEDB_AUTH); accounts: a wrong email or password, an ended session, a used or expired token',
  403: 'Permission denied: the credentials do not reach this tenant, database or action, or reset is disabled by config; accounts: signup disabled, not an owner/admin of the tenant, a missing CSRF token',
  404: 'The tenant, database, collection or file does not exist',
  409: 'A resource with that name exists already, or a write with the same Idempotency-Key is still running',
  413: 'The request body is larger than 40 MiB',
  415: 'A Content-Type other than JSON',
  422: 'The body does not match the request schema, or a limit of the deployment is exceeded',
  429: 'The log is behind: retry later (backpressure); accounts: too many failed logins',
  500: 'An internal error (details are in the server log only)',
  501: 'Not supported by HueDB yet',
  503: 'A backend (catalog, log, query node) is unavailable',
} as const;

/** An error status listed in {@link ERROR_STATUSES}. */
export type ErrorStatus = keyof typeof ERROR_STATUSES;

/** Any route that reaches a backend: it can be down, or fail. */
const BACKEND: ErrorStatus[] = [500, 503];
/**
 * Path parameters: badly percent-encoded (400). (A segment over the router's 16 KiB limit would
 * be a 414, but Node's 16 KiB limit on the request line and headers answers 431 first, for any
 * route, before routing: no operation answers 414.)
 */
const PATH: ErrorStatus[] = [400];
/** A JSON body: unparseable (400), too large (413), not JSON (415), wrong shape (422). */
const BODY: ErrorStatus[] = [400, 413, 415, 422];

/** The error statuses of the common kinds of route, in {@link ERROR_STATUSES} order. */
export function errors(
  ...groups: readonly (readonly ErrorStatus[] | 'backend' | 'path' | 'body')[]
): ErrorStatus[] {
  const all = new Set<ErrorStatus>();
  for (const group of groups) {
    const statuses =
      group === 'backend' ? BACKEND : group === 'path' ? PATH : group === 'body' ? BODY : group;
    for (const status of statuses) all.add(status);
  }
  return (Object.keys(ERROR_STATUSES).map(Number) as ErrorStatus[]).filter((s) => all.has(s));
}
