import 'reflect-metadata';
import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { errorSchema } from '../http/response-schemas.js';
import { schemaName } from '../http/schema-names.js';
import { API_VERSION } from '../system/system.controller.js';
import { actionOf } from '../auth/policy.js';
import {
  ERROR_STATUSES,
  errors,
  ROUTE_CONTRACT,
  type ErrorStatus,
  type RouteContract,
} from './contract.js';

/** One route as Nest registers it: method, path (`/a/:b`), success status and its contract. */
export interface DeclaredRoute {
  method: string;
  path: string;
  status: number;
  contract: RouteContract | undefined;
  /** `Controller.method`, for messages. */
  handler: string;
}

/**
 * Every route the controllers of a module tree declare, read from Nest's decorator metadata (the
 * same metadata Nest registers the routes from), in declaration order.
 * @param root - the application's root module (a class or a dynamic module)
 */
export function declaredRoutes(root: Type | DynamicModule): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const controller of controllersOf(root)) {
    const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller) as string | string[]);
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = proto[name];
      if (name === 'constructor' || typeof fn !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      const paths = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
      if (method === undefined || paths === undefined) continue;
      const verb = RequestMethod[method];
      const code = Reflect.getMetadata(HTTP_CODE_METADATA, fn) as number | undefined;
      for (const prefix of prefixes) {
        for (const path of asArray(paths)) {
          routes.push({
            method: verb,
            path: joinPath(prefix, path),
            // Nest's default when there is no @HttpCode.
            status: code ?? (method === RequestMethod.POST ? 201 : 200),
            contract: Reflect.getMetadata(ROUTE_CONTRACT, fn) as RouteContract | undefined,
            handler: `${controller.name}.${name}`,
          });
        }
      }
    }
  }
  return routes;
}

/**
 * A Nest route path as an OpenAPI path: `:param` → `{param}`, with the collection segment named
 * `collection_id` as in Chroma's document (the routes call it `:id` or `:name`; one name per
 * position keeps the document valid, since OpenAPI treats `/c/{a}` and `/c/{b}` as one path).
 * @param path - a path as {@link declaredRoutes} gives it
 */
export function openApiPath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      return name === 'id' || name === 'name' ? '{collection_id}' : `{${name}}`;
    })
    .join('/');
}

/**
 * The OpenAPI 3.1 document of the routes under `root`. 3.1 because its schemas are JSON Schema
 * (2020-12), the dialect the gateway validates bodies with, and Chroma's own document is 3.1.
 * Throws when a route has no contract, so no route goes undocumented.
 * @param root - the application's root module
 */
export function openApiDocument(root: Type | DynamicModule): object {
  const paths: Record<string, Record<string, object>> = {};
  const components = new Components();
  const missing: string[] = [];
  for (const route of declaredRoutes(root)) {
    if (!route.contract) {
      missing.push(`${route.method} ${route.path} (${route.handler})`);
      continue;
    }
    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method.toLowerCase()] = components.hoist(
      operation(path, route.status, withAuthErrors(route.method, route.path, route.contract)),
    );
  }
  if (missing.length > 0) {
    throw new Error(`Routes without @ApiRoute (openapi/contract.ts): ${missing.join(', ')}`);
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'HueDB',
      description:
        "HueDB speaks Chroma's HTTP API v2. Deliberate differences from Chroma: docs/compatibility.md.",
      version: API_VERSION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    paths: sorted,
    components: {
      schemas: components.schemas(),
      // The header Chroma's clients send their token in (Authorization: Bearer works too). No
      // operation requires it (no `security` requirement, as in Chroma's document): auth is off
      // unless HUEDB_AUTH is set, and a document that required it would describe requests
      // without it as invalid, which they then are not. 401/403 are listed where auth answers them.
      securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-chroma-token' } },
    },
  };
}

/**
 * The contract with the answers of authentication (HUEDB_AUTH) added from the route's policy
 * action (auth/policy.ts), so the document cannot drift from what the guard does: 401 on every
 * route that needs credentials, 403 on those that also need a grant.
 */
function withAuthErrors(method: string, path: string, contract: RouteContract): RouteContract {
  const action = actionOf(method, path);
  if (action === 'open' || action === 'account') return contract;
  const auth: ErrorStatus[] = action === 'identity' ? [401] : [401, 403];
  return { ...contract, errors: errors(contract.errors, auth) };
}

function operation(path: string, status: number, contract: RouteContract): object {
  const response = contract.response as Partial<{
    mediaTypes: string[];
    schema: object;
    content: Record<string, object>;
  }>;
  const success = response.content
    ? Object.fromEntries(
        Object.entries(response.content).map(([type, schema]) => [type, { schema }]),
      )
    : response.mediaTypes
      ? Object.fromEntries(response.mediaTypes.map((type) => [type, { schema: response.schema }]))
      : { 'application/json': { schema: contract.response } };
  const error = { 'application/json': { schema: errorSchema } };
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return {
    operationId: contract.operationId,
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    tags: contract.tags,
    parameters: [
      ...pathParams.map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(contract.query ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema,
      })),
      ...Object.entries(contract.headers ?? {}).map(([name, { schema, description }]) => ({
        name,
        in: 'header',
        required: false,
        description,
        schema,
      })),
    ],
    ...(contract.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: contract.body } },
          },
        }
      : {}),
    responses: {
      [String(status)]: { description: 'Success', content: success },
      ...Object.fromEntries(
        contract.errors.map((s) => [String(s), { description: ERROR_STATUSES[s], content: error }]),
      ),
    },
  };
}

/**
 * The document's shared schemas: every schema given a name (http/schema-names.ts) is written once
 * under `components/schemas` and referenced everywhere it is used.
 */
class Components {
  private readonly byName = new Map<string, { schema: object; hoisted: unknown }>();

  /** `value` with every named schema in it replaced by a `$ref` to its component. */
  hoist<T>(value: T): T {
    return this.walk(value) as T;
  }

  /** The components, by name. */
  schemas(): Record<string, unknown> {
    const names = [...this.byName.keys()].sort();
    return Object.fromEntries(names.map((name) => [name, this.byName.get(name)!.hoisted]));
  }

  private walk(value: unknown, defining?: object): unknown {
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (typeof value !== 'object' || value === null) return value;
    const name = schemaName(value);
    if (name !== undefined && value !== defining) {
      const known = this.byName.get(name);
      if (known && known.schema !== value) throw new Error(`Two schemas are named ${name}`);
      if (!known) {
        // Registered before its body is walked, so a schema that refers to itself terminates.
        const entry = { schema: value, hoisted: {} as unknown };
        this.byName.set(name, entry);
        entry.hoisted = this.walk(value, value);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.walk(v)]));
  }
}

/** The controllers of a module and of everything it imports, each once. */
function controllersOf(root: Type | DynamicModule): Type[] {
  const seen = new Set<unknown>();
  const controllers: Type[] = [];
  const visit = (mod: Type | DynamicModule | undefined) => {
    if (!mod || seen.has(mod)) return;
    seen.add(mod);
    const dynamic = typeof mod === 'object' ? mod : undefined;
    const cls = dynamic ? dynamic.module : mod;
    for (const c of [
      ...((Reflect.getMetadata('controllers', cls) as Type[] | undefined) ?? []),
      ...(dynamic?.controllers ?? []),
    ]) {
      if (!controllers.includes(c)) controllers.push(c);
    }
    for (const imported of [
      ...((Reflect.getMetadata('imports', cls) as (Type | DynamicModule)[] | undefined) ?? []),
      ...((dynamic?.imports ?? []) as (Type | DynamicModule)[]),
    ]) {
      visit(imported);
    }
  };
  visit(root);
  return controllers;
}

function asArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return [''];
  return Array.isArray(value) ? value : [value];
}

function joinPath(prefix: string, path: string): string {
  const joined = [prefix, path]
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}
