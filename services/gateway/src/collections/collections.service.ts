import { Inject, Injectable } from '@nestjs/common';
import type { Collection, Database } from '@huedb/proto/catalog';
import { Code, firstAvailable, RpcError } from '@huedb/grpc';
import {
  UnavailableError,
  InvalidArgumentError,
  metadataToProto,
  readConfigurationUpdate,
  settingsForCreate,
  settingsForUpdate,
  validateCollectionMetadata,
  validateCollectionName,
  validateDatabaseName,
  validateTenantName,
  Usage,
} from '@huedb/core';
import { catalogLimit, limitsOf } from '../plans/request-plan.js';
import { TenantPlans } from '../plans/tenant-plans.js';
import { databaseScopeOf, tenantOf, type RequestContext } from '../context/request-context.js';
import { BACKENDS, type Backends } from '../backends/backends.js';

/** A query node as the backends hand it out. */
type QueryNodeClient = Awaited<ReturnType<Backends['queryNodesFor']>>[number];
import { bodyValidator } from '../http/body-schema.js';
import {
  createCollectionSchema,
  createDatabaseSchema,
  createTenantSchema,
  updateCollectionSchema,
  updateTenantSchema,
  type CreateCollectionBody,
  type UpdateCollectionBody,
} from '../http/schemas.js';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.tokens.js';
import { CollectionRowCache } from './collection-cache.js';
import { settingsOf, toCollectionJson, type CollectionJson } from './collection.mapper.js';

const parseCreateTenant = bodyValidator<{ name: string }>(createTenantSchema);
const parseUpdateTenant = bodyValidator<{ resource_name: string }>(updateTenantSchema);
const parseCreateDatabase = bodyValidator<{ name: string }>(createDatabaseSchema);
const parseCreateCollection = bodyValidator<CreateCollectionBody>(createCollectionSchema);
const parseUpdateCollection = bodyValidator<UpdateCollectionBody>(updateCollectionSchema);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a collection id from a path: Chroma answers 400 for anything but a UUID. */
export function checkCollectionId(id: string): string {
  if (!UUID.test(id)) throw new InvalidArgumentError('Collection ID is not a valid UUIDv4');
  return id.toLowerCase();
}

/** Tenants, databases and collections: validation here, state in the catalog. */
@Injectable()
export class CollectionsService {
  private readonly rows: CollectionRowCache;

  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(TenantPlans) private readonly plans: TenantPlans,
  ) {
    this.rows = new CollectionRowCache(config.collectionCacheMs);
  }

  private get catalog() {
    return this.backends.catalog;
  }

  async createTenant(body: unknown): Promise<Record<string, never>> {
    const { name } = parseCreateTenant(body);
    validateTenantName(name);
    await this.catalog.createTenant({ name });
    return {};
  }

  async getTenant(ctx: RequestContext): Promise<{ name: string; resource_name: string | null }> {
    const name = tenantOf(ctx);
    const { tenant } = await this.catalog.getTenant({ name });
    return { name: tenant!.name, resource_name: tenant!.resourceName ?? null };
  }

  async updateTenant(ctx: RequestContext, body: unknown): Promise<Record<string, never>> {
    const name = tenantOf(ctx);
    const { resource_name } = parseUpdateTenant(body);
    await this.catalog.updateTenant({ name, resourceName: resource_name });
    return {};
  }

  async createDatabase(ctx: RequestContext, body: unknown): Promise<Record<string, never>> {
    const tenant = tenantOf(ctx);
    const { name } = parseCreateDatabase(body);
    validateDatabaseName(name);
    const limits = limitsOf(ctx, this.plans.defaultLimits);
    await this.catalog.createDatabase({
      tenant,
      name,
      maxDatabases: catalogLimit(limits.maxDatabasesPerTenant, Usage.databases, 'Create Database'),
    });
    return {};
  }

  async getDatabase(ctx: RequestContext) {
    const { tenant, database: name } = databaseScopeOf(ctx);
    const { database } = await this.catalog.getDatabase({ tenant, name });
    return databaseJson(database!);
  }

  /**
   * The tenant's databases. A database-scoped key sees only its own: the catalog's list is read
   * whole (a tenant's databases are few) and filtered before the page is cut, so limit and
   * offset count the databases the caller can see.
   */
  async listDatabases(ctx: RequestContext, limit?: number, offset?: number) {
    const tenant = tenantOf(ctx);
    const { principal } = ctx;
    const scope = principal.kind === 'authenticated' ? principal.databases : [];
    if (scope.length === 0) {
      const { databases } = await this.catalog.listDatabases({
        tenant,
        limit,
        offset: offset ?? 0,
      });
      return databases.map(databaseJson);
    }
    const { databases } = await this.catalog.listDatabases({ tenant });
    const visible = databases.filter((d) => scope.includes(d.name));
    const start = offset ?? 0;
    return visible.slice(start, limit === undefined ? undefined : start + limit).map(databaseJson);
  }

  async deleteDatabase(ctx: RequestContext): Promise<Record<string, never>> {
    const { tenant, database: name } = databaseScopeOf(ctx);
    const { deletedCollectionIds } = await this.catalog.deleteDatabase({ tenant, name });
    for (const id of deletedCollectionIds) this.rows.invalidate(id);
    await Promise.all(deletedCollectionIds.map((id) => this.purgeLog(id)));
    return {};
  }

  async createCollection(ctx: RequestContext, body: unknown): Promise<CollectionJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    const input = parseCreateCollection(body);
    // Chroma's order: the shapes of configuration and schema (422), the configuration, then the
    // name and metadata. Checked even when get_or_create finds the collection, as in Chroma.
    const settings = settingsForCreate(input);
    validateCollectionName(input.name);
    if (input.metadata) validateCollectionMetadata(input.metadata);
    const { collection } = await this.catalog.createCollection({
      tenant,
      database,
      name: input.name,
      metadata: input.metadata ? metadataToProto(input.metadata) : undefined,
      configurationJson: settings.configurationJson,
      schemaJson: settings.schemaJson,
      getOrCreate: input.get_or_create ?? false,
      maxCollections: catalogLimit(
        limitsOf(ctx, this.plans.defaultLimits).maxCollectionsPerTenant,
        Usage.collections,
        'Create Collection',
      ),
    });
    return toCollectionJson(collection!);
  }

  async listCollections(ctx: RequestContext, limit?: number, offset?: number) {
    const { tenant, database } = databaseScopeOf(ctx);
    const { collections } = await this.catalog.listCollections({
      tenant,
      database,
      limit,
      offset: offset ?? 0,
    });
    return collections.map(toCollectionJson);
  }

  async countCollections(ctx: RequestContext): Promise<number> {
    const { tenant, database } = databaseScopeOf(ctx);
    const { count } = await this.catalog.countCollections({ tenant, database });
    return Number(count);
  }

  async getByName(ctx: RequestContext, name: string): Promise<CollectionJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    const { collection } = await this.catalog.getCollection({
      tenant,
      database,
      selector: { case: 'name', value: name },
    });
    return toCollectionJson(collection!);
  }

  async getById(ctx: RequestContext, id: string): Promise<CollectionJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    return toCollectionJson(await this.getRow(tenant, database, id));
  }

  /**
   * The catalog row of a collection addressed by id, scoped to its tenant and database. Record
   * operations take it from a short-lived cache (`fresh: false`, see CollectionRowCache);
   * anything that changes the collection reads it fresh.
   */
  async getRow(tenant: string, database: string, id: string, fresh = true): Promise<Collection> {
    const checked = checkCollectionId(id);
    if (!fresh) {
      const cached = this.rows.get(tenant, database, checked);
      if (cached) return cached;
    }
    const { collection } = await this.catalog.getCollection({
      tenant,
      database,
      selector: { case: 'id', value: checked },
    });
    this.rows.set(tenant, database, collection!);
    return collection!;
  }

  /** Drops a collection's cached row (after a change, or when a read found it outdated). */
  forgetRow(id: string): void {
    this.rows.invalidate(id);
  }
  /**
   * Runs a read on the collection's query node at the log's current end (so it sees every write
   * acknowledged before it started). If the node says the segment version in the row is gone
   * (compaction moved on), the row is refreshed and the read retried once.
   */
  async readAtLogEnd<T>(
    collection: Collection,
    call: (
      node: QueryNodeClient,
      scope: { collection: Collection; toPosition: bigint },
    ) => Promise<T>,
  ): Promise<T> {
    const attempt = async (row: Collection): Promise<T> => {
      const { toPosition } = await firstAvailable(this.backends.logsFor(row.id), (log) =>
        log.scoutLogs({ collectionId: row.id }),
      );
      const nodes = await this.backends.queryNodesFor(row.id);
      if (nodes.length === 0) throw new UnavailableError('No query node is available');
      return firstAvailable(nodes, (node) => call(node, { collection: row, toPosition }));
    };
    try {
      return await attempt(collection);
    } catch (err) {
      if (!RpcError.is(err, Code.NOT_FOUND)) throw err;
      this.forgetRow(collection.id);
      return attempt(await this.getRow(collection.tenant, collection.database, collection.id));
    }
  }

  async update(ctx: RequestContext, id: string, body: unknown): Promise<Record<string, never>> {
    const { tenant, database } = databaseScopeOf(ctx);
    const input = parseUpdateCollection(body);
    const update =
      input.new_configuration != null ? readConfigurationUpdate(input.new_configuration) : null;
    if (input.new_name != null) validateCollectionName(input.new_name);
    if (input.new_metadata != null) validateCollectionMetadata(input.new_metadata);
    let settings: { configurationJson?: string; schemaJson?: string } = {};
    if (update) {
      const current = await this.getRow(tenant, database, id);
      settings = settingsForUpdate(settingsOf(current), update);
    }
    this.rows.invalidate(checkCollectionId(id));
    await this.catalog.updateCollection({
      tenant,
      database,
      id: checkCollectionId(id),
      newName: input.new_name ?? undefined,
      newMetadata: input.new_metadata != null ? metadataToProto(input.new_metadata) : undefined,
      newConfigurationJson: settings.configurationJson,
      newSchemaJson: settings.schemaJson,
    });
    return {};
  }

  async deleteByName(ctx: RequestContext, name: string): Promise<Record<string, never>> {
    const { tenant, database } = databaseScopeOf(ctx);
    const { id, logRetained } = await this.catalog.deleteCollection({ tenant, database, name });
    this.rows.invalidate(id);
    // Live forks still read part of this log (their parent tails): the compactor purges it once
    // they have compacted.
    if (!logRetained) await this.purgeLog(id);
    return {};
  }

  /**
   * Tells the log to forget a deleted collection's tail. Best effort: the catalog delete already
   * happened, and a tail nobody reads only holds back Kafka truncation until the next purge.
   */
  private async purgeLog(collectionId: string): Promise<void> {
    for (const log of this.backends.logsFor(collectionId)) {
      try {
        await log.purgeCollection({ collectionId });
        return;
      } catch {
        // try the next instance
      }
    }
  }
}

function databaseJson(d: Database) {
  return { id: d.id, name: d.name, tenant: d.tenant };
}
