import { randomUUID } from 'node:crypto';
import { Code, RpcError } from '@huedb/grpc';
import type {
  Collection,
  CountCollectionsRequest,
  CreateCollectionRequest,
  CreateDatabaseRequest,
  CreateTenantRequest,
  Database,
  DeleteCollectionRequest,
  DeleteDatabaseRequest,
  DeleteSegmentVersionsRequest,
  CountForksRequest,
  ForkCollectionRequest,
  GetCollectionByResourceNameRequest,
  GetCollectionRequest,
  GetDatabaseRequest,
  GetTenantRequest,
  HeartbeatRequest,
  ListCollectionsRequest,
  ListDatabasesRequest,
  ListMembersRequest,
  ListSegmentVersionsRequest,
  Member,
  RegisterCompactionRequest,
  SegmentVersion,
  SetCollectionDimensionRequest,
  Tenant,
  UpdateCollectionRequest,
  UpdateTenantRequest,
} from '@huedb/proto/catalog';
import type { Metadata } from '@huedb/proto/common';
import type { CatalogRepository, DatabaseRow } from './catalog.repository.js';
import {
  collectionFromRow,
  databaseFromRow,
  memberFromRow,
  parentTailsFromJson,
  segmentVersionFromRow,
  tenantFromRow,
} from './catalog.mapper.js';
import { MetadataError, metadataToJson } from './metadata.mapper.js';
import { isUniqueViolation } from './sql/sql-driver.js';

/** A request message without protobuf-es's bookkeeping fields: what the service reads. */
export type Input<T> = Omit<T, '$typeName' | '$unknown'>;

/** Options of {@link CatalogService}. */
export interface CatalogServiceOptions {
  /** Whether Reset may wipe the catalog (tests only). */
  allowReset: boolean;
}

/**
 * The catalog's rules. Every failure is an RpcError with the code the contract
 * (proto/huedb/catalog/v1/catalog.proto) names — NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT,
 * FAILED_PRECONDITION, PERMISSION_DENIED — and a message worded like Chroma's where Chroma has
 * one, so the gateway can pass it through. Names are validated by the gateway; here they only
 * have to be non-empty, unique and exist.
 */
export class CatalogService {
  constructor(
    private readonly repository: CatalogRepository,
    private readonly options: CatalogServiceOptions,
  ) {}

  // Tenants

  async createTenant(req: Input<CreateTenantRequest>): Promise<Tenant> {
    requireName('tenant', req.name);
    const row = await this.repository.insertTenant(req.name);
    if (!row) throw alreadyExists(`Tenant [${req.name}] already exists`);
    return tenantFromRow(row);
  }

  async getTenant(req: Input<GetTenantRequest>): Promise<Tenant> {
    const row = await this.repository.findTenant(req.name);
    if (!row) throw tenantNotFound(req.name);
    return tenantFromRow(row);
  }

  async updateTenant(req: Input<UpdateTenantRequest>): Promise<Tenant> {
    requireName('resource', req.resourceName);
    try {
      const row = await this.repository.setTenantResourceName(req.name, req.resourceName);
      if (!row) throw tenantNotFound(req.name);
      return tenantFromRow(row);
    } catch (err) {
      // Resource names identify tenants from outside (Chroma's CRNs), so they are unique.
      if (isUniqueViolation(err)) {
        throw alreadyExists(`Resource name [${req.resourceName}] is taken by another tenant`);
      }
      throw err;
    }
  }

  // Databases

  async createDatabase(req: Input<CreateDatabaseRequest>): Promise<Database> {
    requireName('database', req.name);
    if (!(await this.repository.findTenant(req.tenant))) throw tenantNotFound(req.tenant);
    const row = await this.repository.insertDatabase(randomUUID(), req.tenant, req.name);
    if (!row) throw alreadyExists(`Database [${req.name}] already exists`);
    return databaseFromRow(row);
  }

  async getDatabase(req: Input<GetDatabaseRequest>): Promise<Database> {
    return databaseFromRow(await this.database(this.repository, req.tenant, req.name));
  }

  async listDatabases(req: Input<ListDatabasesRequest>): Promise<Database[]> {
    const page = pagination(req.limit, req.offset);
    if (!(await this.repository.findTenant(req.tenant))) throw tenantNotFound(req.tenant);
    const rows = await this.repository.listDatabases(req.tenant, page.limit, page.offset);
    return rows.map(databaseFromRow);
  }

  /** Deletes a database and its live collections; returns the collections' ids. */
  async deleteDatabase(req: Input<DeleteDatabaseRequest>): Promise<string[]> {
    return this.repository.transaction(async (tx) => {
      const database = await this.database(tx, req.tenant, req.name);
      // Database first: marking it takes its row lock, which a concurrent CreateCollection's
      // share lock waits for (or this waits for that insert to commit), so no collection can
      // appear in the database after its collections were deleted.
      if (!(await tx.softDeleteDatabase(database.id))) throw databaseNotFound(req.name);
      return tx.softDeleteCollectionsOfDatabase(database.id);
    });
  }

  // Collections

  /**
   * Creates a collection. A live one with the same name answers ALREADY_EXISTS, or with
   * get_or_create is returned unchanged (created = false).
   */
  async createCollection(
    req: Input<CreateCollectionRequest>,
  ): Promise<{ collection: Collection; created: boolean }> {
    requireName('collection', req.name);
    const id = req.id === '' ? randomUUID() : requireUuid('collection', req.id);
    const fields = {
      id,
      name: req.name,
      metadataJson: req.metadata === undefined ? null : encodeMetadata(req.metadata),
      configurationJson:
        req.configurationJson === '' ? '{}' : requireJson('configuration', req.configurationJson),
      schemaJson: req.schemaJson === '' ? null : requireJson('schema', req.schemaJson),
    };
    try {
      // A lost race with a concurrent delete of the same name can leave neither our row nor
      // theirs; try again, a bounded number of times.
      for (let attempt = 0; attempt < 3; attempt++) {
        const database = await this.database(this.repository, req.tenant, req.database);
        const row = await this.repository.insertCollection({ ...fields, databaseId: database.id });
        if (row) return { collection: collectionFromRow(row), created: true };
        const existing = await this.repository.findCollectionByName(database.id, req.name);
        if (existing) {
          if (!req.getOrCreate) throw alreadyExists(`Collection [${req.name}] already exists`);
          return { collection: collectionFromRow(existing), created: false };
        }
      }
    } catch (err) {
      // The name conflict is handled above (ON CONFLICT); the only other unique key is the id.
      if (isUniqueViolation(err)) throw alreadyExists(`Collection [${id}] already exists`);
      throw err;
    }
    throw new RpcError(Code.ABORTED, `Collection [${req.name}] is being created and deleted`);
  }

  async getCollection(req: Input<GetCollectionRequest>): Promise<Collection> {
    const selector = req.selector;
    switch (selector.case) {
      case 'name': {
        requireName('collection', selector.value);
        const database = await this.database(this.repository, req.tenant, req.database);
        const row = await this.repository.findCollectionByName(database.id, selector.value);
        if (!row) throw collectionNotFound(selector.value);
        return collectionFromRow(row);
      }
      case 'id': {
        requireUuid('collection', selector.value);
        const database = await this.database(this.repository, req.tenant, req.database);
        const row = await this.repository.findCollectionById(selector.value, {
          databaseId: database.id,
        });
        if (!row) throw collectionNotFound(selector.value);
        return collectionFromRow(row);
      }
      case undefined:
        throw invalid('a collection name or id is required');
    }
  }

  /** A live collection by id alone (internal callers only; see the proto). */
  async getCollectionById(id: string): Promise<Collection> {
    requireUuid('collection', id);
    const row = await this.repository.findCollectionById(id);
    if (!row) throw collectionNotFound(id);
    return collectionFromRow(row);
  }

  async listCollections(req: Input<ListCollectionsRequest>): Promise<Collection[]> {
    const page = pagination(req.limit, req.offset);
    const database = await this.database(this.repository, req.tenant, req.database);
    const rows = await this.repository.listCollections(database.id, page.limit, page.offset);
    return rows.map(collectionFromRow);
  }

  async countCollections(req: Input<CountCollectionsRequest>): Promise<bigint> {
    const database = await this.database(this.repository, req.tenant, req.database);
    return this.repository.countCollections(database.id);
  }

  /** Renames and/or replaces metadata (wholesale), configuration or schema. */
  async updateCollection(req: Input<UpdateCollectionRequest>): Promise<Collection> {
    requireUuid('collection', req.id);
    if (req.newName !== undefined) requireName('collection', req.newName);
    const changes = {
      ...(req.newName !== undefined && { name: req.newName }),
      ...(req.newMetadata !== undefined && { metadataJson: encodeMetadata(req.newMetadata) }),
      ...(req.newConfigurationJson !== undefined && {
        configurationJson: requireJson('configuration', req.newConfigurationJson),
      }),
      ...(req.newSchemaJson !== undefined && {
        schemaJson: requireJson('schema', req.newSchemaJson),
      }),
    };
    const database = await this.database(this.repository, req.tenant, req.database);
    if (!(await this.repository.findCollectionById(req.id, { databaseId: database.id }))) {
      throw collectionNotFound(req.id);
    }
    try {
      const row = await this.repository.updateCollection(req.id, changes);
      if (!row) throw collectionNotFound(req.id);
      return collectionFromRow(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`Collection [${req.newName}] already exists`);
      throw err;
    }
  }

  /**
   * Deletes a collection by name; the name is free again when this returns. Returns its id and
   * whether live forks still read its log (then it must not be purged). No fork can start reading
   * it after the delete: a fork locks its live source row.
   */
  async deleteCollection(
    req: Input<DeleteCollectionRequest>,
  ): Promise<{ id: string; logRetained: boolean }> {
    requireName('collection', req.name);
    const database = await this.database(this.repository, req.tenant, req.database);
    const id = await this.repository.softDeleteCollectionByName(database.id, req.name);
    if (id === undefined) throw collectionNotFound(req.name);
    return { id, logRetained: (await this.repository.logRetention(id)) !== null };
  }

  // Forks (docs/decisions/0007-fork.md)

  /**
   * Forks a live collection into a new one of the same database, copy-on-write: the fork starts
   * on the source's current segment (the same manifest; no object is copied) and reads the
   * source's uncompacted log [source log_position, source_log_end) — plus whatever parent tails
   * the source itself still has — as parent tails until its first compaction. Everything is
   * read under the source's row lock, so a compaction of the source registered concurrently is
   * either wholly before the fork (the fork then starts on the new segment) or wholly after.
   */
  async forkCollection(req: Input<ForkCollectionRequest>): Promise<Collection> {
    requireUuid('collection', req.sourceId);
    requireName('collection', req.newName);
    if (req.sourceLogEnd < 0n) throw invalid('source_log_end must not be negative');
    const id = randomUUID();
    const database = await this.database(this.repository, req.tenant, req.database);
    return this.repository.transaction(async (tx) => {
      // Database before collection, the order DeleteDatabase locks in, so the two cannot deadlock.
      if (!(await tx.lockLiveDatabase(database.id))) throw databaseNotFound(req.database);
      const source = await tx.findCollectionById(req.sourceId, {
        databaseId: database.id,
        lock: true,
      });
      if (!source) throw collectionNotFound(req.sourceId);
      const from = BigInt(source.log_position);
      // A compaction that won the lock may already cover writes after the caller's scout.
      const parentTails = [...parentTailsFromJson(source.parent_tails)];
      if (req.sourceLogEnd > from) {
        parentTails.push({
          collection_id: source.id,
          from: from.toString(),
          to: req.sourceLogEnd.toString(),
        });
      }
      const row = await tx.insertFork(id, source.id, req.newName, parentTails);
      if (!row) throw alreadyExists(`Collection [${req.newName}] already exists`);
      return collectionFromRow(row);
    });
  }

  /** Live forks in the lineage tree of a collection (any member answers the same). */
  async countForks(req: Input<CountForksRequest>): Promise<bigint> {
    requireUuid('collection', req.id);
    const database = await this.database(this.repository, req.tenant, req.database);
    const row = await this.repository.findCollectionById(req.id, { databaseId: database.id });
    if (!row) throw collectionNotFound(req.id);
    return this.repository.countForks(row.root_collection_id ?? row.id);
  }

  /** A live collection by Chroma resource name. */
  async getCollectionByResourceName(
    req: Input<GetCollectionByResourceNameRequest>,
  ): Promise<Collection> {
    requireName('tenant resource', req.tenantResourceName);
    requireName('database', req.database);
    requireName('collection', req.name);
    const row = await this.repository.findCollectionByResourceName(
      req.tenantResourceName,
      req.database,
      req.name,
    );
    if (!row) {
      throw collectionNotFound(`${req.tenantResourceName}:${req.database}:${req.name}`);
    }
    return collectionFromRow(row);
  }

  /** How far back the log of `collectionId` (live or deleted) must stay for live forks. */
  async getLogRetention(collectionId: string): Promise<bigint | undefined> {
    requireUuid('collection', collectionId);
    return (await this.repository.logRetention(collectionId)) ?? undefined;
  }

  /** Forks that still have parent tails, for the compactor. */
  async listPendingForks(limit: number): Promise<string[]> {
    if (limit <= 0) throw invalid(`limit must be positive, got ${limit}`);
    return this.repository.listPendingForks(limit);
  }

  /**
   * Fixes the dimension if it is unset (compare-and-set on NULL) and returns the dimension the
   * collection has afterwards, which the caller compares with its write's.
   */
  async setCollectionDimension(req: Input<SetCollectionDimensionRequest>): Promise<number> {
    requireUuid('collection', req.id);
    if (req.dimension <= 0) throw invalid(`dimension must be positive, got ${req.dimension}`);
    const dimension = await this.repository.setDimensionIfUnset(req.id, req.dimension);
    if (dimension === undefined) throw collectionNotFound(req.id);
    return dimension;
  }

  /**
   * Registers a compaction: compare-and-swap of the version (expected → expected + 1), the log
   * position (which never moves backwards) and the manifest key, plus the new segment_versions
   * row, all in one transaction under the collection's row lock, so of two compactors that
   * started from the same version exactly one wins and the other gets FAILED_PRECONDITION.
   */
  async registerCompaction(req: Input<RegisterCompactionRequest>): Promise<Collection> {
    requireUuid('collection', req.collectionId);
    if (req.expectedVersion < 0n) throw invalid('expected_version must not be negative');
    if (req.logPosition < 0n) throw invalid('log_position must not be negative');
    if (req.recordCount < 0n) throw invalid('record_count must not be negative');
    if (req.recordsCompacted < 0n) throw invalid('records_compacted must not be negative');
    if (req.manifestKey === '') throw invalid('manifest_key is required');
    return this.repository.transaction(async (tx) => {
      const current = await tx.findCollectionById(req.collectionId, { lock: true });
      if (!current) throw collectionNotFound(req.collectionId);
      const version = BigInt(current.version);
      if (version !== req.expectedVersion) {
        throw failedPrecondition(
          `Collection [${req.collectionId}] is at version ${version}, not ${req.expectedVersion}`,
        );
      }
      const logPosition = BigInt(current.log_position);
      if (req.logPosition < logPosition) {
        throw failedPrecondition(
          `Collection [${req.collectionId}] log position ${req.logPosition} is behind ${logPosition}`,
        );
      }
      const next = version + 1n;
      const row = await tx.setSegmentVersion(
        req.collectionId,
        next,
        req.logPosition,
        req.manifestKey,
        req.recordsCompacted,
      );
      await tx.insertSegmentVersion({
        collectionId: req.collectionId,
        version: next,
        logPosition: req.logPosition,
        manifestKey: req.manifestKey,
        recordCount: req.recordCount,
      });
      return collectionFromRow(row!);
    });
  }

  /** A collection's versions, newest first — also after it was deleted, for the GC. */
  async listSegmentVersions(req: Input<ListSegmentVersionsRequest>): Promise<SegmentVersion[]> {
    requireUuid('collection', req.collectionId);
    if (!(await this.repository.collectionIdExists(req.collectionId))) {
      throw collectionNotFound(req.collectionId);
    }
    const rows = await this.repository.listSegmentVersions(req.collectionId);
    return rows.map(segmentVersionFromRow);
  }

  /**
   * Forgets versions below `below_version` and returns how many, with the manifest keys no other
   * live collection references (the caller deletes those objects). A live collection's current
   * version is never forgotten (FAILED_PRECONDITION): readers still use it. A deleted one's all
   * may be.
   */
  async deleteSegmentVersions(
    req: Input<DeleteSegmentVersionsRequest>,
  ): Promise<{ deleted: bigint; unreferencedManifestKeys: string[] }> {
    requireUuid('collection', req.collectionId);
    return this.repository.transaction(async (tx) => {
      const live = await tx.findCollectionById(req.collectionId, { lock: true });
      if (!live && !(await tx.collectionIdExists(req.collectionId))) {
        throw collectionNotFound(req.collectionId);
      }
      if (live && req.belowVersion > BigInt(live.version)) {
        throw failedPrecondition(
          `Collection [${req.collectionId}] is at version ${live.version}: ` +
            `cannot forget versions below ${req.belowVersion}`,
        );
      }
      const { deleted, unreferenced } = await tx.deleteSegmentVersionsBelow(
        req.collectionId,
        req.belowVersion,
      );
      return { deleted: BigInt(deleted), unreferencedManifestKeys: unreferenced };
    });
  }

  // Membership

  /** Registers or refreshes a member; returns the catalog's clock (Unix ms). */
  async heartbeat(req: Input<HeartbeatRequest>): Promise<bigint> {
    const member = req.member;
    if (!member) throw invalid('member is required');
    requireName('member role', member.role);
    requireName('member id', member.id);
    return this.repository.upsertMember(member.role, member.id, member.address);
  }

  /** A role's members by id; max_age_ms > 0 keeps those heard from within it, 0 keeps all. */
  async listMembers(req: Input<ListMembersRequest>): Promise<Member[]> {
    requireName('member role', req.role);
    if (req.maxAgeMs < 0n) throw invalid('max_age_ms must not be negative');
    const rows = await this.repository.listMembers(
      req.role,
      req.maxAgeMs === 0n ? null : req.maxAgeMs,
    );
    return rows.map(memberFromRow);
  }

  // Reset

  /** Wipes tenants, databases and collections and reseeds the defaults, if enabled. */
  async reset(): Promise<void> {
    if (!this.options.allowReset) {
      throw new RpcError(Code.PERMISSION_DENIED, 'Reset is disabled by config');
    }
    await this.repository.transaction((tx) => tx.resetData());
  }

  /** The live database `name` of `tenant`, or NOT_FOUND naming whichever is missing. */
  private async database(
    repository: CatalogRepository,
    tenant: string,
    name: string,
  ): Promise<DatabaseRow> {
    const scope = await repository.findScope(tenant, name);
    if (!scope.tenantExists) throw tenantNotFound(tenant);
    if (!scope.database) throw databaseNotFound(name);
    return scope.database;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireName(what: string, name: string): void {
  if (name === '') throw invalid(`${what} name must not be empty`);
}

function requireUuid(what: string, id: string): string {
  if (!UUID.test(id)) throw invalid(`Invalid ${what} id [${id}]: expected a UUID`);
  return id.toLowerCase();
}

function requireJson(what: string, text: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
  return text;
}

function encodeMetadata(metadata: Metadata): string {
  try {
    return metadataToJson(metadata);
  } catch (err) {
    if (err instanceof MetadataError) throw invalid(err.message);
    throw err;
  }
}

function pagination(
  limit: number | undefined,
  offset: number,
): { limit: number | null; offset: number } {
  if (limit !== undefined && limit < 0) throw invalid(`limit must not be negative, got ${limit}`);
  if (offset < 0) throw invalid(`offset must not be negative, got ${offset}`);
  return { limit: limit ?? null, offset };
}

function invalid(message: string): RpcError {
  return new RpcError(Code.INVALID_ARGUMENT, message);
}

function alreadyExists(message: string): RpcError {
  return new RpcError(Code.ALREADY_EXISTS, message);
}

function failedPrecondition(message: string): RpcError {
  return new RpcError(Code.FAILED_PRECONDITION, message);
}

function tenantNotFound(name: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `Tenant [${name}] not found`);
}

function databaseNotFound(name: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `Database [${name}] not found`);
}

function collectionNotFound(nameOrId: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `Collection [${nameOrId}] does not exist`);
}
