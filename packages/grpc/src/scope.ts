import { AsyncLocalStorage } from 'node:async_hooks';
import type { Metadata } from '@grpc/grpc-js';
import { Code, RpcError } from './rpc-error.js';

/**
 * Who a request acts for, as the gateway established it. The identity work fills it; until then
 * every field is unset, which means anonymous (or an internal caller such as the compactor's
 * scheduler). Callees may log it and, later, check it; they never derive it from anything else.
 */
export interface Principal {
  /** The tenant the request is scoped to. */
  readonly tenant?: string | undefined;
  /** Who asked: a user or an API key id (never the key itself). */
  readonly subject?: string | undefined;
  /** What the subject may do, e.g. `admin`, `reader`. */
  readonly role?: string | undefined;
}

/**
 * What travels with one request from the gateway through every service it reaches: carried in
 * gRPC metadata between processes and in an AsyncLocalStorage within one, so that a call made
 * while serving a request carries its id, its principal and what is left of its deadline. The
 * W3C trace context travels beside it, through OpenTelemetry's own context.
 */
export interface RequestScope {
  /** The id of the request that started it all (the gateway's request id), for logs. */
  readonly requestId?: string | undefined;
  /** Who the request acts for; unset = anonymous/internal. */
  readonly principal?: Principal | undefined;
  /** When the request must be answered (epoch ms); outgoing calls never outlive it. */
  readonly deadline?: number | undefined;
}

const store = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `fn` with `scope` as the active one: calls made from it (and everything it awaits) carry
 * it. Servers run each handler in the scope of its incoming call; the gateway runs each HTTP
 * request in one.
 */
export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return store.run(scope, fn);
}

/** The active request scope, or undefined outside of any request (background work). */
export function currentScope(): RequestScope | undefined {
  return store.getStore();
}

/** Metadata keys of the scope (gRPC lowercases keys; `x-huedb-` keeps them apart from others). */
export const SCOPE_KEYS = {
  requestId: 'x-huedb-request-id',
  tenant: 'x-huedb-tenant',
  subject: 'x-huedb-subject',
  role: 'x-huedb-role',
} as const;

/**
 * What a value of each key may be. Metadata comes from the network: a value that does not fit is
 * refused (INVALID_ARGUMENT) rather than logged or acted on. Request ids are what the gateway
 * makes or accepts; tenants and subjects are printable ASCII without spaces (what metadata can
 * carry at all), bounded so that a caller cannot make every log line of the cluster huge.
 */
const VALID: Record<keyof typeof SCOPE_KEYS, RegExp> = {
  requestId: /^[A-Za-z0-9._:/+=-]{1,128}$/,
  tenant: /^[\x21-\x7e]{1,256}$/,
  subject: /^[\x21-\x7e]{1,256}$/,
  role: /^[a-z][a-z0-9_-]{0,31}$/,
};

/** `id` when it is a valid request id (what callees accept), otherwise undefined. */
export function validRequestId(id: string): string | undefined {
  return VALID.requestId.test(id) ? id : undefined;
}

/** Writes `scope` into `metadata` (the deadline travels as gRPC's own grpc-timeout). */
export function writeScope(scope: RequestScope | undefined, metadata: Metadata): void {
  if (!scope) return;
  if (scope.requestId !== undefined) metadata.set(SCOPE_KEYS.requestId, scope.requestId);
  const principal = scope.principal;
  if (!principal) return;
  if (principal.tenant !== undefined) metadata.set(SCOPE_KEYS.tenant, principal.tenant);
  if (principal.subject !== undefined) metadata.set(SCOPE_KEYS.subject, principal.subject);
  if (principal.role !== undefined) metadata.set(SCOPE_KEYS.role, principal.role);
}

/**
 * Reads the scope of an incoming call. Throws INVALID_ARGUMENT naming the key when a value is
 * repeated, not text, or does not fit its pattern.
 * @param metadata - the call's metadata
 * @param deadline - the call's deadline (epoch ms), undefined when it has none
 */
export function readScope(metadata: Metadata, deadline: number | undefined): RequestScope {
  const value = (key: keyof typeof SCOPE_KEYS): string | undefined => {
    const values = metadata.get(SCOPE_KEYS[key]);
    if (values.length === 0) return undefined;
    const [first] = values;
    if (values.length > 1 || typeof first !== 'string' || !VALID[key].test(first)) {
      throw new RpcError(Code.INVALID_ARGUMENT, `metadata ${SCOPE_KEYS[key]} is not valid`);
    }
    return first;
  };
  const tenant = value('tenant');
  const subject = value('subject');
  const role = value('role');
  const principal =
    tenant === undefined && subject === undefined && role === undefined
      ? undefined
      : { tenant, subject, role };
  return { requestId: value('requestId'), principal, deadline };
}

/**
 * The deadline of an outgoing call (epoch ms): its own timeout from now, but never later than
 * the deadline of the request it is made for, so a callee never works for a caller that gave up.
 */
export function outgoingDeadline(timeoutMs: number, scope: RequestScope | undefined): number {
  const own = Date.now() + timeoutMs;
  return scope?.deadline === undefined ? own : Math.min(own, scope.deadline);
}
