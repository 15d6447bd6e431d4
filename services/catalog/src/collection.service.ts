import { randomUUID } from 'node:crypto';
import type {
  Collection,
  CountCollectionsRequest,
  CreateCollectionRequest,
  DeleteCollectionRequest,
  GetCollectionByResourceNameRequest,
  GetCollectionRequest,
  ListCollectionsRequest,
  SetCollectionDimensionRequest,
  UpdateCollectionRequest,
} from '@huedb/proto/catalog';
import { QuotaExceededError, Usage } from '@huedb/core';
import {
  aborted,
  alreadyExists,
  collectionNotFound,
  failedPrecondition,
  invalid,
} from './catalog.errors.js';
import {
  encodeMetadata,
  pagination,
  requireJson,
  requireName,
  requireUuid,
  type Input,
} from './catalog.input.js';
import type { CatalogRepositories } from './catalog.repository.js';
import { collectionFromRow } from './collection.mapper.js';
import { requireLiveDatabase } from './database.service.js';
import { isUniqueViolation } from './sql/sql-driver.js';

/**
 * Collections of a database: names unique among the live ones, ids never reused, metadata,
 * configuration and schema replaced wholesale, the dimension fixed by the first write.
 */
export class CollectionService {
  constructor(private readonly repositories: CatalogRepositories) {}

  /**
   * Creates a collection. A live one with the same name answers ALREADY_EXISTS, or with
   * get_or_create is returned unchanged (created = false).
   */
  async create(
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
      if (req.maxCollections > 0n) {
        return await this.repositories.transaction((tx) =>
          createWithin(tx, req, fields, Number(req.maxCollections)),
        );
      }
      return await createWithin(this.repositories, req, fields, undefined);
    } catch (err) {
      // The name conflict is handled in createWithin (ON CONFLICT); the only other unique key is
      // the id.
      if (isUniqueViolation(err)) throw alreadyExists(`Collection [${id}] already exists`);
      throw err;
    }
  }

  async get(req: Input<GetCollectionRequest>): Promise<Collection> {
    const { databases, collections } = this.repositories;
    const selector = req.selector;
    switch (selector.case) {
      case 'name': {
        requireName('collection', selector.value);
        const database = await requireLiveDatabase(databases, req.tenant, req.database);
        const row = await collections.findByName(database.id, selector.value);
        if (!row) throw collectionNotFound(selector.value);
        return collectionFromRow(row);
      }
      case 'id': {
        requireUuid('collection', selector.value);
        const database = await requireLiveDatabase(databases, req.tenant, req.database);
        const row = await collections.findById(selector.value, { databaseId: database.id });
        if (!row) throw collectionNotFound(selector.value);
        return collectionFromRow(row);
      }
      case undefined:
        throw invalid('a collection name or id is required');
    }
  }

  /** A live collection by id alone (internal callers only; see the proto). */
  async getById(id: string): Promise<Collection> {
    requireUuid('collection', id);
    const row = await this.repositories.collections.findById(id);
    if (!row) throw collectionNotFound(id);
    return collectionFromRow(row);
  }

  /** A live collection by Chroma resource name. */
  async getByResourceName(req: Input<GetCollectionByResourceNameRequest>): Promise<Collection> {
    requireName('tenant resource', req.tenantResourceName);
    requireName('database', req.database);
    requireName('collection', req.name);
    const row = await this.repositories.collections.findByResourceName(
      req.tenantResourceName,
      req.database,
      req.name,
    );
    if (!row) {
      throw collectionNotFound(`${req.tenantResourceName}:${req.database}:${req.name}`);
    }
    return collectionFromRow(row);
  }

  async list(req: Input<ListCollectionsRequest>): Promise<Collection[]> {
    const page = pagination(req.limit, req.offset);
    const { databases, collections } = this.repositories;
    const database = await requireLiveDatabase(databases, req.tenant, req.database);
    const rows = await collections.list(database.id, page.limit, page.offset);
    return rows.map(collectionFromRow);
  }

  async count(req: Input<CountCollectionsRequest>): Promise<bigint> {
    const { databases, collections } = this.repositories;
    const database = await requireLiveDatabase(databases, req.tenant, req.database);
    return collections.count(database.id);
  }

  /** Renames and/or replaces metadata (wholesale), configuration or schema. */
  async update(req: Input<UpdateCollectionRequest>): Promise<Collection> {
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
    const { databases, collections } = this.repositories;
    const database = await requireLiveDatabase(databases, req.tenant, req.database);
    if (!(await collections.findById(req.id, { databaseId: database.id }))) {
      throw collectionNotFound(req.id);
    }
    try {
      const row = await collections.update(req.id, changes);
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
  async delete(req: Input<DeleteCollectionRequest>): Promise<{ id: string; logRetained: boolean }> {
    requireName('collection', req.name);
    const { databases, collections, forks } = this.repositories;
    const database = await requireLiveDatabase(databases, req.tenant, req.database);
    const id = await collections.softDeleteByName(database.id, req.name);
    if (id === undefined) throw collectionNotFound(req.name);
    return { id, logRetained: (await forks.logRetention(id)) !== null };
  }

  /**
   * Fixes the dimension if it is unset (compare-and-set on NULL) and returns the dimension the
   * collection has afterwards, which the caller compares with its write's.
   */
  async setDimension(req: Input<SetCollectionDimensionRequest>): Promise<number> {
    requireUuid('collection', req.id);
    if (req.dimension <= 0) throw invalid(`dimension must be positive, got ${req.dimension}`);
    const dimension = await this.repositories.collections.setDimensionIfUnset(
      req.id,
      req.dimension,
    );
    if (dimension === undefined) throw collectionNotFound(req.id);
    return dimension;
  }
}

/**
 * Inserts the collection, or finds the live one of that name (get_or_create). With a limit,
 * `repos` is a transaction's and the tenant's row is locked and its collections counted first:
 * creates of one tenant then take turns, and the count stays true until the insert commits.
 */
async function createWithin(
  repos: CatalogRepositories,
  req: Input<CreateCollectionRequest>,
  fields: Omit<Parameters<CatalogRepositories['collections']['insert']>[0], 'databaseId'>,
  maxCollections: number | undefined,
): Promise<{ collection: Collection; created: boolean }> {
  const { databases, collections, tenants } = repos;
  // A lost race with a concurrent delete of the same name can leave neither our row nor
  // theirs; try again, a bounded number of times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const database = await requireLiveDatabase(databases, req.tenant, req.database);
    if (maxCollections !== undefined) {
      const existing = await collections.findByName(database.id, req.name);
      if (existing) return existingCollection(req, existing);
      const count = (await tenants.lockAndCountCollections(req.tenant)) ?? 0;
      if (count >= maxCollections) {
        throw failedPrecondition(
          QuotaExceededError.forUsage(
            Usage.collections,
            'Create Collection',
            count + 1,
            maxCollections,
          ).message,
        );
      }
    }
    const row = await collections.insert({ ...fields, databaseId: database.id });
    if (row) return { collection: collectionFromRow(row), created: true };
    const existing = await collections.findByName(database.id, req.name);
    if (existing) return existingCollection(req, existing);
  }
  throw aborted(`Collection [${req.name}] is being created and deleted`);
}

function existingCollection(
  req: Input<CreateCollectionRequest>,
  row: NonNullable<Awaited<ReturnType<CatalogRepositories['collections']['findByName']>>>,
): { collection: Collection; created: boolean } {
  if (!req.getOrCreate) throw alreadyExists(`Collection [${req.name}] already exists`);
  return { collection: collectionFromRow(row), created: false };
}
