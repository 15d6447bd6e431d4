import { Inject, Injectable, NotImplementedException } from '@nestjs/common';
import type { Collection } from '@huedb/proto/catalog';
import { Code, firstAvailable, RpcError } from '@huedb/grpc';
import { InvalidArgumentError, Usage, validateCollectionName } from '@huedb/core';
import { catalogLimit, limitsOf } from '../plans/request-plan.js';
import { TenantPlans } from '../plans/tenant-plans.js';
import { databaseScopeOf, type RequestContext } from '../context/request-context.js';
import { BACKENDS, type Backends } from '../backends/backends.js';
import { bodyValidator } from '../http/body-schema.js';
import { forkCollectionSchema, searchSchema } from '../http/schemas.js';
import { float32ForJson } from '../records/float-format.js';
import { toCollectionJson, type CollectionJson } from './collection.mapper.js';
import { checkCollectionId, CollectionsService } from './collections.service.js';

const parseFork = bodyValidator<{ new_name: string }>(forkCollectionSchema);
const parseSearch = bodyValidator<{ searches: object[] }>(searchSchema);

/** Chroma's answer to a CRN that does not have three non-empty parts. */
const CRN_FORMAT_MESSAGE =
  'Validation error: crn: CRN must be in the format ' +
  '<tenant_resource_name>:<database_name>:<collection_name> with non-empty parts';

/** Chroma's IndexStatusResponse: op counts of the collection's log vs what is compacted. */
export interface IndexingStatusJson {
  op_indexing_progress: number;
  num_unindexed_ops: number;
  num_indexed_ops: number;
  total_ops: number;
}

/**
 * Chroma 1.x collection routes beyond create/get/update/delete: copy-on-write forks and their
 * count (docs/decisions/0007-fork.md), indexing status (compaction lag), lookup by Chroma
 * resource name, and the Search API's place holder.
 */
@Injectable()
export class CollectionExtrasService {
  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(CollectionsService) private readonly collections: CollectionsService,
    @Inject(TenantPlans) private readonly plans: TenantPlans,
  ) {}

  /**
   * Forks a collection. The source's log end is scouted first: every write acknowledged before
   * this request lies below it, so the fork holds it (read-your-writes), and writes to either
   * collection afterwards go to that collection's own log only.
   */
  async fork(ctx: RequestContext, id: string, body: unknown): Promise<CollectionJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    const { new_name } = parseFork(body);
    const sourceId = checkCollectionId(id);
    validateCollectionName(new_name);
    const maxCollections = catalogLimit(
      limitsOf(ctx, this.plans.defaultLimits).maxCollectionsPerTenant,
      Usage.collections,
      'Fork Collection',
    );
    const source = await this.collections.getRow(tenant, database, sourceId);
    const { toPosition } = await firstAvailable(this.backends.logsFor(sourceId), (log) =>
      log.scoutLogs({ collectionId: sourceId }),
    );
    const { collection } = await this.backends.catalog.forkCollection({
      tenant,
      database,
      sourceId,
      newName: new_name,
      sourceLogEnd: (await this.hasTail(source, toPosition)) ? toPosition : source.logPosition,
      maxCollections,
    });
    return toCollectionJson(collection!);
  }

  /**
   * Whether the source has any batch in [log_position, end). Positions are not dense (other
   * collections' batches and the log's bookkeeping sit between), so a non-empty range may hold
   * nothing of this collection; a fork given such a range would be compacted for nothing. When
   * the source was compacted past the row read here, the catalog sees that and decides itself.
   */
  private async hasTail(source: Collection, end: bigint): Promise<boolean> {
    if (end <= source.logPosition) return false;
    try {
      const { batches } = await firstAvailable(this.backends.logsFor(source.id), (log) =>
        log.pullLogs({
          collectionId: source.id,
          fromPosition: source.logPosition,
          toPosition: end,
          maxRecords: 1,
        }),
      );
      return batches.length > 0;
    } catch (err) {
      if (RpcError.is(err, Code.ABORTED)) return true;
      throw err;
    }
  }

  /** Live forks in the collection's lineage tree, as `{"count": n}`. */
  async forkCount(ctx: RequestContext, id: string): Promise<{ count: number }> {
    const { tenant, database } = databaseScopeOf(ctx);
    const { count } = await this.backends.catalog.countForks({
      tenant,
      database,
      id: checkCollectionId(id),
    });
    return { count: Number(count) };
  }

  /**
   * Chroma's indexing status from real numbers: indexed = log records folded into segments
   * (the catalog's count, over the lineage), unindexed = records the query node still merges
   * from the log at its current end (parent tails + own tail). Progress is a float32, as Chroma's.
   */
  async indexingStatus(ctx: RequestContext, id: string): Promise<IndexingStatusJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    const row = await this.collections.getRow(tenant, database, id);
    const { row: read, unindexedRecords } = await this.collections.readAtLogEnd(
      row,
      async (node, scope) => ({
        row: scope.collection,
        ...(await node.indexingStatus({ scope })),
      }),
    );
    const indexed = Number(read.compactedRecords);
    const unindexed = Number(unindexedRecords);
    const total = indexed + unindexed;
    return {
      op_indexing_progress: total === 0 ? 1 : float32ForJson(Math.fround(indexed / total)),
      num_unindexed_ops: unindexed,
      num_indexed_ops: indexed,
      total_ops: total,
    };
  }

  /** A collection by Chroma resource name `tenant_resource_name:database:collection`. */
  async getByCrn(crn: string): Promise<CollectionJson> {
    const parts = crn.split(':');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      throw new InvalidArgumentError(CRN_FORMAT_MESSAGE);
    }
    const [tenantResourceName, database, name] = parts as [string, string, string];
    const { collection } = await this.backends.catalog.getCollectionByResourceName({
      tenantResourceName,
      database,
      name,
    });
    return toCollectionJson(collection!);
  }

  /**
   * The Search API is not served yet: a body of the wrong shape is Chroma's 422, a missing
   * collection its 404, and anything else a 501 saying so (Chroma's own status for a search it
   * cannot run).
   */
  async search(ctx: RequestContext, id: string, body: unknown): Promise<never> {
    const { tenant, database } = databaseScopeOf(ctx);
    parseSearch(body);
    await this.collections.getRow(tenant, database, id);
    throw new NotImplementedException(
      'HueDB does not support the Search API yet; use query and get instead',
    );
  }
}
