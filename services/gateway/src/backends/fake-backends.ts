import { randomUUID } from 'node:crypto';
import { create, type DescService, type MessageInitShape } from '@bufbuild/protobuf';
import { CatalogService, CollectionSchema, type Collection } from '@huedb/proto/catalog';
import { ControlService } from '@huedb/proto/control';
import { LogService, type LogRecord } from '@huedb/proto/log';
import { QueryService, type GetRequest, type QueryRequest } from '@huedb/proto/query';
import { Code, inProcessClient, RpcError, type ServiceHandlers } from '@huedb/grpc';
import { AlreadyExistsError, NotFoundError } from '@huedb/core';
import { ANONYMOUS, type RequestContext } from '../context/request-context.js';
import type { Backends } from './backends.js';

/*
 * In-memory fakes of the gateway's backends, for the gateway's unit specs (no catalog,
 * Kafka or query node process). They are served through `inProcessClient`, so requests and
 * answers go through the proto schemas and errors through the gRPC code mapping exactly as in
 * single-node mode; an RPC a fake does not implement answers UNIMPLEMENTED. They hold only what
 * the specs observe: the real services have their own suites.
 */

/** Handlers for the RPCs given; every other RPC of `service` answers UNIMPLEMENTED. */
export function partialHandlers<S extends DescService>(
  service: S,
  handlers: Partial<ServiceHandlers<S>>,
): ServiceHandlers<S> {
  const all: Record<string, unknown> = {};
  for (const method of service.methods) {
    all[method.localName] =
      (handlers as Record<string, unknown>)[method.localName] ??
      (() => Promise.reject(new RpcError(Code.UNIMPLEMENTED, `fake: ${method.name}`)));
  }
  return all as ServiceHandlers<S>;
}

/** The fields of a collection a spec may set. */
type CollectionFields = Pick<
  MessageInitShape<typeof CollectionSchema> & { $typeName?: undefined },
  'id' | 'tenant' | 'database' | 'dimension' | 'metadata' | 'configurationJson' | 'schemaJson'
>;

/** What the fakes hold and saw; specs read it to check what the gateway sent. */
export class FakeBackendState {
  readonly tenants = new Set<string>(['default_tenant']);
  /** `tenant/database` → database id. */
  readonly databases = new Map<string, string>([['default_tenant/default_database', 'db-0']]);
  readonly collections = new Map<string, Collection>();
  /** Pushed batches per collection id, in order (a batch's position is its index). */
  readonly log = new Map<string, LogRecord[][]>();
  /** Requests the query node received. */
  readonly gets: GetRequest[] = [];
  readonly queries: QueryRequest[] = [];

  /** Adds a collection directly (as if created earlier) and returns its id. */
  addCollection(name: string, init: CollectionFields = {}): string {
    const id = init.id ?? randomUUID();
    this.collections.set(
      id,
      create(CollectionSchema, {
        id,
        name,
        tenant: 'default_tenant',
        database: 'default_database',
        databaseId: 'db-0',
        configurationJson: '{}',
        schemaJson: '',
        ...init,
      }),
    );
    return id;
  }

  /** The records pushed to a collection's log, in order. */
  pushed(collectionId: string): LogRecord[] {
    return (this.log.get(collectionId) ?? []).flat();
  }
}

/** The gateway's {@link Backends} over in-memory fakes sharing `state`. */
export function fakeBackends(
  state = new FakeBackendState(),
): Backends & { state: FakeBackendState } {
  const find = (tenant: string, database: string, match: (c: Collection) => boolean) => {
    if (!state.databases.has(`${tenant}/${database}`)) {
      throw new NotFoundError(`Database ${database} not found`);
    }
    for (const c of state.collections.values()) {
      if (c.tenant === tenant && c.database === database && match(c)) return c;
    }
    return undefined;
  };
  const catalog = inProcessClient(
    CatalogService,
    partialHandlers(CatalogService, {
      createTenant: async ({ name }) => {
        if (state.tenants.has(name)) throw new AlreadyExistsError(`Tenant ${name} already exists`);
        state.tenants.add(name);
        return {};
      },
      getTenant: async ({ name }) => {
        if (!state.tenants.has(name)) throw new NotFoundError(`Tenant ${name} not found`);
        return { tenant: { name } };
      },
      createDatabase: async ({ tenant, name }) => {
        if (!state.tenants.has(tenant)) throw new NotFoundError(`Tenant ${tenant} not found`);
        state.databases.set(`${tenant}/${name}`, randomUUID());
        return {};
      },
      listDatabases: async ({ tenant, limit, offset }) => {
        if (!state.tenants.has(tenant)) throw new NotFoundError(`Tenant ${tenant} not found`);
        const all = [...state.databases]
          .filter(([key]) => key.startsWith(`${tenant}/`))
          .map(([key, id]) => ({ id, name: key.slice(tenant.length + 1), tenant }));
        return { databases: all.slice(offset, limit === undefined ? undefined : offset + limit) };
      },
      getDatabase: async ({ tenant, name }) => {
        const id = state.databases.get(`${tenant}/${name}`);
        if (!id) throw new NotFoundError(`Database ${name} not found`);
        return { database: { id, name, tenant } };
      },
      createCollection: async (req) => {
        const existing = find(req.tenant, req.database, (c) => c.name === req.name);
        if (existing && req.getOrCreate) return { collection: existing, created: false };
        if (existing) throw new AlreadyExistsError(`Collection ${req.name} already exists`);
        const id = state.addCollection(req.name, {
          tenant: req.tenant,
          database: req.database,
          metadata: req.metadata,
          configurationJson: req.configurationJson,
          schemaJson: req.schemaJson,
        });
        return { collection: state.collections.get(id), created: true };
      },
      getCollection: async ({ tenant, database, selector }) => {
        const c = find(tenant, database, (x) =>
          selector.case === 'id' ? x.id === selector.value : x.name === selector.value,
        );
        if (!c) throw new NotFoundError(`Collection ${String(selector.value)} does not exist`);
        return { collection: c };
      },
      listCollections: async ({ tenant, database }) => ({
        collections: [...state.collections.values()].filter(
          (c) => c.tenant === tenant && c.database === database,
        ),
      }),
      countCollections: async ({ tenant, database }) => ({
        count: BigInt(
          [...state.collections.values()].filter(
            (c) => c.tenant === tenant && c.database === database,
          ).length,
        ),
      }),
      setCollectionDimension: async ({ id, dimension }) => {
        const c = state.collections.get(id);
        if (!c) throw new NotFoundError(`Collection ${id} does not exist`);
        // Compare-and-set, as the catalog does: the first dimension wins.
        c.dimension ??= dimension;
        return { dimension: c.dimension };
      },
      deleteCollection: async ({ tenant, database, name }) => {
        const c = find(tenant, database, (x) => x.name === name);
        if (!c) throw new NotFoundError(`Collection ${name} does not exist`);
        state.collections.delete(c.id);
        return { id: c.id, logRetained: false };
      },
    }),
  );
  const log = inProcessClient(
    LogService,
    partialHandlers(LogService, {
      pushLogs: async ({ collectionId, records }) => {
        const batches = state.log.get(collectionId) ?? [];
        batches.push(records);
        state.log.set(collectionId, batches);
        return { logPosition: BigInt(batches.length - 1) };
      },
      scoutLogs: async ({ collectionId }) => ({
        toPosition: BigInt(state.log.get(collectionId)?.length ?? 0),
      }),
      purgeCollection: async ({ collectionId }) => {
        state.log.delete(collectionId);
        return {};
      },
    }),
  );
  const query = inProcessClient(
    QueryService,
    partialHandlers(QueryService, {
      get: async (req) => {
        state.gets.push(req);
        // Ids the filter names that were pushed (enough for delete-by-filter specs).
        const ids = req.filter?.ids?.ids ?? [];
        const pushed = new Set(state.pushed(req.scope!.collection!.id).map((r) => r.id));
        return { records: ids.filter((id) => pushed.has(id)).map((id) => ({ id })) };
      },
      query: async (req) => {
        state.queries.push(req);
        return { results: req.queryEmbeddings.map(() => ({ records: [] })) };
      },
      count: async ({ scope }) => ({
        count: BigInt(new Set(state.pushed(scope!.collection!.id).map((r) => r.id)).size),
      }),
    }),
  );
  return {
    state,
    catalog,
    // No control-plane RPC is faked: specs of authentication use the real one (PGlite).
    control: inProcessClient(ControlService, partialHandlers(ControlService, {})),
    logsFor: () => [log],
    queryNodesFor: () => Promise.resolve([query]),
    close: () => {},
  };
}

/** The request context of a spec's calls: anonymous, on Chroma's default tenant and database. */
export const SPEC_CONTEXT: RequestContext = {
  requestId: 'spec',
  tenant: 'default_tenant',
  database: 'default_database',
  principal: ANONYMOUS,
};
