import { randomUUID } from 'node:crypto';
import type { Collection, CountForksRequest, ForkCollectionRequest } from '@huedb/proto/catalog';
import { QuotaExceededError, Usage } from '@huedb/core';
import {
  alreadyExists,
  collectionNotFound,
  databaseNotFound,
  failedPrecondition,
  invalid,
} from './catalog.errors.js';
import { requireName, requireUuid, type Input } from './catalog.input.js';
import type { CatalogRepositories } from './catalog.repository.js';
import { collectionFromRow, parentTailsFromJson } from './collection.mapper.js';
import { requireLiveDatabase } from './database.service.js';

/**
 * Forks (docs/decisions/0007-fork.md): copy-on-write collections that share their source's
 * segment and read its uncompacted log as parent tails until their first compaction; and how far
 * back a collection's log must stay for the forks that still read it.
 */
export class ForkService {
  constructor(private readonly repositories: CatalogRepositories) {}

  /**
   * Forks a live collection into a new one of the same database, copy-on-write: the fork starts
   * on the source's current segment (the same manifest; no object is copied) and reads the
   * source's uncompacted log [source log_position, source_log_end) — plus whatever parent tails
   * the source itself still has — as parent tails until its first compaction. Everything is
   * read under the source's row lock, so a compaction of the source registered concurrently is
   * either wholly before the fork (the fork then starts on the new segment) or wholly after.
   */
  async fork(req: Input<ForkCollectionRequest>): Promise<Collection> {
    requireUuid('collection', req.sourceId);
    requireName('collection', req.newName);
    if (req.sourceLogEnd < 0n) throw invalid('source_log_end must not be negative');
    const id = randomUUID();
    const repositories = this.repositories;
    const database = await requireLiveDatabase(repositories.databases, req.tenant, req.database);
    return repositories.transaction(async (tx) => {
      if (req.maxCollections > 0n) {
        // A fork is one more collection of the tenant: counted as CreateCollection counts, under
        // the tenant's row lock, taken first (tenant, database, collection: one lock order).
        const count = (await tx.tenants.lockAndCountCollections(req.tenant)) ?? 0;
        if (count >= Number(req.maxCollections)) {
          throw failedPrecondition(
            QuotaExceededError.forUsage(
              Usage.collections,
              'Fork Collection',
              count + 1,
              Number(req.maxCollections),
            ).message,
          );
        }
      }
      // Database before collection, the order DeleteDatabase locks in, so the two cannot deadlock.
      if (!(await tx.databases.lockLive(database.id))) throw databaseNotFound(req.database);
      const source = await tx.collections.findById(req.sourceId, {
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
      const row = await tx.forks.insert(id, source.id, req.newName, parentTails);
      if (!row) throw alreadyExists(`Collection [${req.newName}] already exists`);
      return collectionFromRow(row);
    });
  }

  /** Live forks in the lineage tree of a collection (any member answers the same). */
  async count(req: Input<CountForksRequest>): Promise<bigint> {
    requireUuid('collection', req.id);
    const { databases, collections, forks } = this.repositories;
    const database = await requireLiveDatabase(databases, req.tenant, req.database);
    const row = await collections.findById(req.id, { databaseId: database.id });
    if (!row) throw collectionNotFound(req.id);
    return forks.count(row.root_collection_id ?? row.id);
  }

  /** How far back the log of `collectionId` (live or deleted) must stay for live forks. */
  async logRetention(collectionId: string): Promise<bigint | undefined> {
    requireUuid('collection', collectionId);
    return (await this.repositories.forks.logRetention(collectionId)) ?? undefined;
  }

  /** Forks that still have parent tails, for the compactor. */
  async listPending(limit: number): Promise<string[]> {
    if (limit <= 0) throw invalid(`limit must be positive, got ${limit}`);
    return this.repositories.forks.listPending(limit);
  }
}
