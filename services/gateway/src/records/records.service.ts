import { Inject, Injectable } from '@nestjs/common';
import type { Collection } from '@huedb/proto/catalog';
import { Operation, type LogRecordSchema } from '@huedb/proto/log';
import type { FilterSchema, IncludeSchema } from '@huedb/proto/query';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { firstAvailable } from '@huedb/grpc';
import {
  assertWithinLimit,
  countWhereDocumentPredicates,
  countWherePredicates,
  decodeEmbedding,
  embeddingToBytes,
  InvalidArgumentError,
  metadataToProto,
  parseWhere,
  parseWhereDocument,
  updateMetadataToProto,
  Usage,
  validateEmbeddingDimensions,
  validateRecordBatch,
  type Limits,
  type Metadata,
} from '@huedb/core';
import { databaseScopeOf, type RequestContext } from '../context/request-context.js';
import { BACKENDS, type Backends } from '../backends/backends.js';
import { CollectionsService } from '../collections/collections.service.js';
import { bodyValidator } from '../http/body-schema.js';
import { metadataFloatKeys, type FloatKeys } from '../http/float-tokens.js';
import { bodyText } from '../http/json-body.js';
import {
  addSchema,
  deleteSchema,
  getSchema,
  querySchema,
  updateSchema,
  upsertSchema,
  type DeleteBody,
  type GetBody,
  type IncludeValue,
  type QueryBody,
  type RecordsBody,
} from '../http/schemas.js';
import { CollectionConcurrency, type CollectionAccess } from '../plans/collection-concurrency.js';
import { CollectionSizes } from '../plans/collection-sizes.js';
import { limitsOf, noteHeadroom } from '../plans/request-plan.js';
import { UsageMeter } from '../usage/usage-meter.js';
import { TenantPlans } from '../plans/tenant-plans.js';
import type { RawJson } from '../http/raw-json.js';
import { getResultJson, queryResultJson } from './record.mapper.js';

const parseAdd = bodyValidator<RecordsBody>(addSchema);
const parseUpsert = bodyValidator<RecordsBody>(upsertSchema);
const parseUpdate = bodyValidator<RecordsBody>(updateSchema);
const parseDelete = bodyValidator<DeleteBody>(deleteSchema);
const parseGet = bodyValidator<GetBody>(getSchema);
const parseQuery = bodyValidator<QueryBody>(querySchema);

const DEFAULT_GET_INCLUDE: IncludeValue[] = ['documents', 'metadatas'];
const DEFAULT_QUERY_INCLUDE: IncludeValue[] = ['documents', 'metadatas', 'distances'];
const DEFAULT_N_RESULTS = 10;

type WriteOperation = Operation.ADD | Operation.UPSERT | Operation.UPDATE;

/** Core's rule set for each write. */
const WRITE_RULES = {
  [Operation.ADD]: 'add',
  [Operation.UPSERT]: 'upsert',
  [Operation.UPDATE]: 'update',
} as const;

/**
 * Record operations. Writes are validated here completely (nothing invalid reaches the log) and
 * acknowledged once the log made them durable. Reads go to the collection's query node with the
 * log's current bound, so they see every write acknowledged before they started.
 */
@Injectable()
export class RecordsService {
  constructor(
    @Inject(BACKENDS) private readonly backends: Backends,
    @Inject(CollectionsService) private readonly collections: CollectionsService,
    @Inject(TenantPlans) private readonly plans: TenantPlans,
    @Inject(CollectionSizes) private readonly sizes: CollectionSizes,
    @Inject(CollectionConcurrency) private readonly slots: CollectionConcurrency,
    @Inject(UsageMeter) private readonly usage: UsageMeter,
  ) {}

  async add(ctx: RequestContext, id: string, body: unknown): Promise<Record<string, never>> {
    return this.write(ctx, id, Operation.ADD, parseAdd(body), body);
  }

  async upsert(ctx: RequestContext, id: string, body: unknown): Promise<Record<string, never>> {
    return this.write(ctx, id, Operation.UPSERT, parseUpsert(body), body);
  }

  async update(ctx: RequestContext, id: string, body: unknown): Promise<Record<string, never>> {
    return this.write(ctx, id, Operation.UPDATE, parseUpdate(body), body);
  }

  /**
   * Chroma's delete: `ids: []` without a filter is refused (it would otherwise read as "no id
   * filter"); `limit` needs a filter; neither ids nor a filter deletes nothing. Ids alone are
   * deleted blindly and counted as given (Chroma answers `{"deleted": ids.length}`, even for ids
   * that do not exist); with a filter, the matching records are resolved at the current read
   * point and exactly those are deleted and counted.
   */
  async delete(ctx: RequestContext, id: string, body: unknown): Promise<{ deleted: number }> {
    const { tenant, database } = databaseScopeOf(ctx);
    const input = parseDelete(body);
    // Chroma looks the collection up before it checks the request.
    const collection = await this.collections.getRow(tenant, database, id, false);
    const hasFilter = input.where != null || input.where_document != null;
    if (input.ids != null && input.ids.length === 0 && !hasFilter) {
      throw new InvalidArgumentError(
        'Validation error: ids, where: Either ids or where must be specified',
      );
    }
    if (input.limit != null && !hasFilter) {
      throw new InvalidArgumentError(
        'Validation error: limit, where: limit can only be specified when a where clause is provided',
      );
    }
    const limits = this.limitsOf(ctx);
    const filter = this.filter(input, 'Delete', limits);
    if (!hasFilter) {
      if (input.ids == null) return { deleted: 0 };
      // An empty id can never have been written, so there is nothing to log for it.
      await this.pushDeletes(
        collection,
        [...new Set(input.ids)].filter((rid) => rid !== ''),
        limits,
      );
      this.sizes.forget(collection.id);
      return { deleted: input.ids.length };
    }
    const matched = await this.collections.readAtLogEnd(collection, (node, scope) =>
      node.get({ scope, filter, offset: 0, limit: input.limit ?? undefined, include: {} }),
    );
    const ids = matched.records.map((r) => r.id);
    await this.pushDeletes(collection, ids, limits);
    // The collection shrank: its next size check recounts instead of trusting this gateway's sum.
    this.sizes.forget(collection.id);
    return { deleted: ids.length };
  }

  async get(ctx: RequestContext, id: string, body: unknown): Promise<RawJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    const input = parseGet(body);
    const include = input.include ?? DEFAULT_GET_INCLUDE;
    const collection = await this.collections.getRow(tenant, database, id, false);
    const filter = this.filter(input, 'Get', this.limitsOf(ctx));
    const response = await this.collections.readAtLogEnd(collection, (node, scope) =>
      node.get({
        scope,
        filter,
        offset: input.offset ?? 0,
        limit: input.limit ?? undefined,
        include: includeMessage(include),
      }),
    );
    this.usage.count(tenant, 'records_returned', response.records.length);
    return getResultJson(response.records, include);
  }

  async query(ctx: RequestContext, id: string, body: unknown): Promise<RawJson> {
    const { tenant, database } = databaseScopeOf(ctx);
    const input = parseQuery(body);
    const include = input.include ?? DEFAULT_QUERY_INCLUDE;
    const nResults = input.n_results ?? DEFAULT_N_RESULTS;
    const limits = this.limitsOf(ctx);
    assertWithinLimit(Usage.nResults, 'Query', nResults, limits.maxQueryResults);
    let collection = await this.collections.getRow(tenant, database, id, false);
    // A cached row may predate the first write that fixed the dimension (it never changes once
    // set): only a row that says "none yet" needs a fresh look before vectors are checked.
    if (collection.dimension == null) {
      collection = await this.collections.getRow(tenant, database, id, true);
    }
    const vectors = input.query_embeddings.map((e, i) => decodeEmbedding(e, i));
    validateEmbeddingDimensions(vectors, collection.dimension ?? null);
    if (vectors.length === 0) return queryResultJson([], include);
    const filter = this.filter(input, 'Query', limits);
    const response = await this.collections.readAtLogEnd(collection, (node, scope) =>
      node.query({
        scope,
        filter,
        queryEmbeddings: vectors.map(embeddingToBytes),
        nResults,
        include: includeMessage(include),
      }),
    );
    this.usage.count(tenant, 'queries', vectors.length);
    this.usage.count(
      tenant,
      'records_returned',
      response.results.reduce((n, r) => n + r.records.length, 0),
    );
    return queryResultJson(
      response.results.map((r) => r.records),
      include,
    );
  }

  /**
   * Chroma's count. `read_level` is checked (an unknown value is Chroma's 400) but every level
   * counts every acknowledged write: `index_only` only allows skipping the log's tail, and
   * `chroma run` counts everything for it too. (Counting the tail costs nothing extra here.)
   */
  async count(ctx: RequestContext, id: string, readLevel: unknown): Promise<number> {
    const { tenant, database } = databaseScopeOf(ctx);
    parseReadLevel(readLevel);
    const collection = await this.collections.getRow(tenant, database, id, false);
    const response = await this.collections.readAtLogEnd(collection, (node, scope) =>
      node.count({ scope }),
    );
    return Number(response.count);
  }

  private async write(
    ctx: RequestContext,
    id: string,
    operation: WriteOperation,
    input: RecordsBody,
    body: unknown,
  ): Promise<Record<string, never>> {
    const { tenant, database } = databaseScopeOf(ctx);
    const limits = this.limitsOf(ctx);
    const collection = await this.collections.getRow(tenant, database, id, false);
    const { records, dimension } = this.toLogRecords(operation, input, collection, body, limits);
    if (records.length === 0) return {};
    const grows = operation !== Operation.UPDATE;
    let projected: number | undefined;
    if (grows && Number.isFinite(limits.maxRecordsPerCollection)) {
      projected = await this.sizes.check(
        collection.id,
        records.length,
        limits.maxRecordsPerCollection,
        operation === Operation.ADD ? 'Add' : 'Upsert',
        async () => {
          const { count } = await this.collections.readAtLogEnd(collection, (node, scope) =>
            node.count({ scope }),
          );
          return Number(count);
        },
      );
    }
    // Fixing the dimension is a compare-and-set in the catalog: two first writes with different
    // dimensions cannot both win. Done before the append, so nothing of the wrong size is logged.
    if (dimension !== null && collection.dimension == null) {
      const { dimension: fixed } = await this.backends.catalog.setCollectionDimension({
        id: collection.id,
        dimension,
      });
      // Cached copies of the row still say "no dimension": drop this gateway's, so its next
      // query checks vectors against the new one (other gateways' expire; query nodes check too).
      this.collections.forgetRow(collection.id);
      if (fixed !== dimension) {
        throw new InvalidArgumentError(
          `Collection expecting embedding with dimension of ${fixed}, got ${dimension}`,
        );
      }
    }
    await this.push(collection, records);
    if (grows) this.sizes.wrote(collection.id, records.length);
    if (projected !== undefined) {
      noteHeadroom(
        ctx,
        'collection-records',
        limits.maxRecordsPerCollection - projected,
        limits.maxRecordsPerCollection,
      );
    }
    return {};
  }

  /**
   * Runs one record operation on collection `id` within the plan's concurrent reads or writes
   * of a collection (CollectionConcurrency): 429 when this gateway's share is taken.
   */
  limited<T>(
    ctx: RequestContext,
    id: string,
    access: CollectionAccess,
    fn: () => Promise<T>,
  ): Promise<T> {
    const limits = this.limitsOf(ctx);
    const limit =
      access === 'read'
        ? limits.maxConcurrentReadsPerCollection
        : limits.maxConcurrentWritesPerCollection;
    return this.slots.run(id, access, limit, fn);
  }

  /** The request's limits: its tenant's plan (PlanGuard attached it). */
  private limitsOf(ctx: RequestContext): Limits {
    return limitsOf(ctx, this.plans.defaultLimits);
  }

  /**
   * Validates a write completely, with core's rules and messages (validateRecordBatch, the ones
   * the log checks pushes with too), and turns it into log records.
   */
  private toLogRecords(
    operation: WriteOperation,
    input: RecordsBody,
    collection: Collection,
    body: unknown,
    limits: Limits,
  ): { records: LogRecordInit[]; dimension: number | null } {
    const batch = validateRecordBatch(WRITE_RULES[operation], input, {
      limits,
      collectionDimension: collection.dimension ?? null,
    });
    const floatKeys = metadataFloatKeysOf(input, body);
    const records = batch.ids.map((rid, i): LogRecordInit => {
      const vector = batch.embeddings?.[i];
      const metadata = batch.metadatas?.[i];
      return {
        id: rid,
        operation,
        embedding: vector ? embeddingToBytes(vector) : undefined,
        document: batch.documents?.[i] ?? undefined,
        uri: batch.uris?.[i] ?? undefined,
        // An empty metadata on add stores none (it reads back as null, as in Chroma); on
        // update/upsert it changes nothing.
        metadata:
          metadata == null || Object.keys(metadata).length === 0
            ? undefined
            : operation === Operation.ADD
              ? metadataToProto(metadata as Metadata, floatKeys?.[i])
              : updateMetadataToProto(metadata, floatKeys?.[i]),
      };
    });
    return { records, dimension: batch.dimension };
  }

  /** Logs deletes of `ids`, in batches of the size clients are told to use (always finite). */
  private async pushDeletes(
    collection: Collection,
    ids: readonly string[],
    limits: Limits,
  ): Promise<void> {
    const size = limits.preflightMaxBatchSize;
    for (let i = 0; i < ids.length; i += size) {
      const chunk = ids.slice(i, i + size);
      await this.push(
        collection,
        chunk.map((rid) => ({ id: rid, operation: Operation.DELETE })),
      );
    }
  }

  /** Appends one atomic batch, moving to the next log instance only when one is unreachable. */
  private async push(collection: Collection, records: LogRecordInit[]): Promise<void> {
    await firstAvailable(this.backends.logsFor(collection.id), (log) =>
      log.pushLogs({ collectionId: collection.id, records }),
    );
  }

  /** Validates `ids`, `where` and `where_document` and packs them for the query node. */
  private filter(
    input: { ids?: string[] | null; where?: object | null; where_document?: object | null },
    action: 'Get' | 'Query' | 'Delete',
    limits: Limits,
  ): FilterInit {
    let whereJson = '';
    let whereDocumentJson = '';
    // Hosted Chroma's limit counts `where` and `where_document` separately (core's Limits).
    const { maxWherePredicates } = limits;
    if (input.where != null) {
      const n = countWherePredicates(parseWhere(input.where));
      assertWithinLimit(Usage.wherePredicates, action, n, maxWherePredicates);
      whereJson = JSON.stringify(input.where);
    }
    if (input.where_document != null) {
      const n = countWhereDocumentPredicates(parseWhereDocument(input.where_document));
      assertWithinLimit(Usage.whereDocumentPredicates, action, n, maxWherePredicates);
      whereDocumentJson = JSON.stringify(input.where_document);
    }
    // `ids: []` is a filter that admits nothing, not an absent one: keep the two apart.
    return {
      ids: input.ids == null ? undefined : { ids: input.ids },
      whereJson,
      whereDocumentJson,
    };
  }
}

/**
 * Per record, the metadata keys the client wrote as floats (`1.0`): JSON.parse reads them as ints.
 * The body's text is read again only when some metadata holds an integral number.
 */
function metadataFloatKeysOf(input: RecordsBody, body: unknown): FloatKeys | undefined {
  const integral = (v: unknown) =>
    Number.isInteger(v) || (Array.isArray(v) && v.length > 0 && v.every(Number.isInteger));
  const needed = input.metadatas?.some((m) => m != null && Object.values(m).some(integral));
  const text = needed ? bodyText(body) : undefined;
  return text === undefined ? undefined : metadataFloatKeys(text, 'metadatas');
}

const READ_LEVELS = ['index_and_wal', 'index_only', 'index_and_bounded_wal'] as const;

/** The `read_level` query parameter; absent = `index_and_wal`. */
function parseReadLevel(value: unknown): (typeof READ_LEVELS)[number] {
  if (value === undefined) return 'index_and_wal';
  const level = READ_LEVELS.find((l) => l === value);
  if (level) return level;
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  throw new InvalidArgumentError(
    `Failed to deserialize query string: read_level: unknown variant \`${shown}\`, expected one of ` +
      READ_LEVELS.map((l) => `\`${l}\``).join(', '),
  );
}

type LogRecordInit = MessageInitShape<typeof LogRecordSchema>;
type FilterInit = MessageInitShape<typeof FilterSchema>;

function includeMessage(include: readonly IncludeValue[]): MessageInitShape<typeof IncludeSchema> {
  return {
    embeddings: include.includes('embeddings'),
    documents: include.includes('documents'),
    metadatas: include.includes('metadatas'),
    // A record's URI decides whether its empty metadata reads back as {} or null (record.mapper).
    uris: include.includes('uris') || include.includes('metadatas'),
    distances: include.includes('distances'),
  };
}
