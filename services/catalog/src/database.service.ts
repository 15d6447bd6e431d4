import { randomUUID } from 'node:crypto';
import type {
  CreateDatabaseRequest,
  Database,
  DeleteDatabaseRequest,
  GetDatabaseRequest,
  ListDatabasesRequest,
} from '@huedb/proto/catalog';
import { QuotaExceededError, Usage } from '@huedb/core';
import {
  alreadyExists,
  databaseNotFound,
  failedPrecondition,
  tenantNotFound,
} from './catalog.errors.js';
import { pagination, requireName, type Input } from './catalog.input.js';
import type { CatalogRepositories } from './catalog.repository.js';
import { databaseFromRow } from './database.mapper.js';
import type { DatabaseRepository, DatabaseRow } from './database.repository.js';

/**
 * The live database `name` of `tenant`, or NOT_FOUND naming whichever is missing: the scope
 * every collection-level call starts from.
 */
export async function requireLiveDatabase(
  databases: DatabaseRepository,
  tenant: string,
  name: string,
): Promise<DatabaseRow> {
  const scope = await databases.findScope(tenant, name);
  if (!scope.tenantExists) throw tenantNotFound(tenant);
  if (!scope.database) throw databaseNotFound(name);
  return scope.database;
}

/** Databases of a tenant; deleting one deletes its live collections with it. */
export class DatabaseService {
  constructor(private readonly repositories: CatalogRepositories) {}

  async create(req: Input<CreateDatabaseRequest>): Promise<Database> {
    requireName('database', req.name);
    if (req.maxDatabases === 0n) return createDatabase(this.repositories, req, undefined);
    // Under a limit: count and insert under the tenant's row lock (see createDatabase).
    return this.repositories.transaction((tx) => createDatabase(tx, req, Number(req.maxDatabases)));
  }

  async get(req: Input<GetDatabaseRequest>): Promise<Database> {
    return databaseFromRow(
      await requireLiveDatabase(this.repositories.databases, req.tenant, req.name),
    );
  }

  async list(req: Input<ListDatabasesRequest>): Promise<Database[]> {
    const page = pagination(req.limit, req.offset);
    const { tenants, databases } = this.repositories;
    if (!(await tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    const rows = await databases.list(req.tenant, page.limit, page.offset);
    return rows.map(databaseFromRow);
  }

  /** Deletes a database and its live collections; returns the collections' ids. */
  async delete(req: Input<DeleteDatabaseRequest>): Promise<string[]> {
    return this.repositories.transaction(async (tx) => {
      const database = await requireLiveDatabase(tx.databases, req.tenant, req.name);
      // Database first: marking it takes its row lock, which a concurrent CreateCollection's
      // share lock waits for (or this waits for that insert to commit), so no collection can
      // appear in the database after its collections were deleted.
      if (!(await tx.databases.softDelete(database.id))) throw databaseNotFound(req.name);
      return tx.collections.softDeleteOfDatabase(database.id);
    });
  }
}

/** Inserts a database; with a limit, `repos` is a transaction's and the count is taken first. */
async function createDatabase(
  repos: CatalogRepositories,
  req: Input<CreateDatabaseRequest>,
  maxDatabases: number | undefined,
): Promise<Database> {
  const { tenants, databases } = repos;
  if (maxDatabases === undefined) {
    if (!(await tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
  } else {
    const count = await tenants.lockAndCountDatabases(req.tenant);
    if (count === undefined) throw tenantNotFound(req.tenant);
    if (count >= maxDatabases) {
      throw failedPrecondition(
        QuotaExceededError.forUsage(Usage.databases, 'Create Database', count + 1, maxDatabases)
          .message,
      );
    }
  }
  const row = await databases.insert(randomUUID(), req.tenant, req.name);
  if (!row) throw alreadyExists(`Database [${req.name}] already exists`);
  return databaseFromRow(row);
}
