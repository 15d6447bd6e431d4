import { QuotaExceededError } from '../errors.js';

/** Plan limits and the check that enforces them (wording: hosted Chroma's quota enforcer). */

/**
 * A plan's limits (docs/decisions/0029-plans-and-quotas.md). Three sets ship:
 * {@link FREE_LIMITS} (Chroma Cloud's published quotas), {@link PRO_LIMITS} (a paid plan; the
 * cluster's default) and {@link UNLIMITED_LIMITS} (what `chroma run` enforces: none of these;
 * single-node's default). A limit of `Infinity` is never exceeded.
 */
export interface Limits {
  /** Most dimensions an embedding may have. */
  readonly maxDimension: number;
  /** Largest document, in UTF-8 bytes. */
  readonly maxDocumentBytes: number;
  /** Largest string metadata value, in UTF-8 bytes (a string list: the sum of its elements). */
  readonly maxMetadataValueBytes: number;
  /** Most keys one record's metadata may have. */
  readonly maxMetadataKeys: number;
  /** Most predicates in one `where` (and, separately, one `where_document`). */
  readonly maxWherePredicates: number;
  /** Largest `n_results` of a query. */
  readonly maxQueryResults: number;
  /** Most records in one write. */
  readonly maxBatchSize: number;
  /** Largest record id, in UTF-8 bytes. */
  readonly maxIdBytes: number;
  /**
   * What pre-flight advertises as `max_batch_size` (a finite integer): Chroma's clients refuse
   * or split writes larger than this. Not enforced by itself; see `maxBatchSize`.
   */
  readonly preflightMaxBatchSize: number;
  /** Most collections (forks included) one tenant may have. */
  readonly maxCollectionsPerTenant: number;
  /** Most databases one tenant may have. */
  readonly maxDatabasesPerTenant: number;
  /** Most records one collection may hold (checked on add and upsert). */
  readonly maxRecordsPerCollection: number;
  /** Requests per second one tenant may make, summed over every gateway (a token bucket). */
  readonly requestsPerSecond: number;
  /** How many requests above the rate the bucket lets through at once. */
  readonly requestBurst: number;
  /** Reads (get, query, count) of one collection in flight at once, over every gateway. */
  readonly maxConcurrentReadsPerCollection: number;
  /** Writes (add, upsert, update, delete) of one collection in flight at once. */
  readonly maxConcurrentWritesPerCollection: number;
}

/**
 * Chroma Cloud's published quotas: 4096 dimensions, 16 KiB documents, 4 KiB metadata strings,
 * 32 keys, 8 where predicates, 300 results, 300 records per write, 128-byte ids, 1,000,000
 * collections, 5,000,000 records per collection, 10 concurrent reads and 10 concurrent writes per
 * collection; 10 databases; 100 requests/s (burst 200).
 */
export const FREE_LIMITS: Limits = Object.freeze({
  maxDimension: 4096,
  maxDocumentBytes: 16_384,
  maxMetadataValueBytes: 4096,
  maxMetadataKeys: 32,
  maxWherePredicates: 8,
  maxQueryResults: 300,
  maxBatchSize: 300,
  maxIdBytes: 128,
  preflightMaxBatchSize: 300,
  maxCollectionsPerTenant: 1_000_000,
  maxDatabasesPerTenant: 10,
  maxRecordsPerCollection: 5_000_000,
  requestsPerSecond: 100,
  requestBurst: 200,
  maxConcurrentReadsPerCollection: 10,
  maxConcurrentWritesPerCollection: 10,
});

/**
 * The paid plan: hosted Chroma's request shape limits (16 KiB documents, 8 KiB metadata strings,
 * 32 keys, 8 where predicates, 300 results, 1000 records per write) with room to grow:
 * 10,000,000 collections, 1,000 databases, 50,000,000 records per collection, 100 concurrent reads
 * and writes per collection, 1,000 requests/s (burst 2,000).
 */
export const PRO_LIMITS: Limits = Object.freeze({
  maxDimension: 4096,
  maxDocumentBytes: 16 * 1024,
  maxMetadataValueBytes: 8 * 1024,
  maxMetadataKeys: 32,
  maxWherePredicates: 8,
  maxQueryResults: 300,
  maxBatchSize: 1000,
  maxIdBytes: 128,
  preflightMaxBatchSize: 1000,
  maxCollectionsPerTenant: 10_000_000,
  maxDatabasesPerTenant: 1000,
  maxRecordsPerCollection: 50_000_000,
  requestsPerSecond: 1000,
  requestBurst: 2000,
  maxConcurrentReadsPerCollection: 100,
  maxConcurrentWritesPerCollection: 100,
});

/**
 * What `chroma run` (Chroma 1.5.9, local) enforces: no plan limit at all — it takes 40 metadata
 * keys, 100 kB documents and metadata strings, 12 where predicates, any u32 `n_results`, 70,000
 * dimensions and 30,000 records in one add. Only the server's own safety limits (body size,
 * JSON nesting depth, regex length) remain, and those are not plan limits. Pre-flight
 * advertises `max_batch_size` 5461, as `chroma run` does.
 */
export const UNLIMITED_LIMITS: Limits = Object.freeze({
  maxDimension: Infinity,
  maxDocumentBytes: Infinity,
  maxMetadataValueBytes: Infinity,
  maxMetadataKeys: Infinity,
  maxWherePredicates: Infinity,
  maxQueryResults: Infinity,
  maxBatchSize: Infinity,
  maxIdBytes: Infinity,
  preflightMaxBatchSize: 5461,
  maxCollectionsPerTenant: Infinity,
  maxDatabasesPerTenant: Infinity,
  maxRecordsPerCollection: Infinity,
  requestsPerSecond: Infinity,
  requestBurst: Infinity,
  maxConcurrentReadsPerCollection: Infinity,
  maxConcurrentWritesPerCollection: Infinity,
});

/** The plans that ship (a plans file may add more; docs/decisions/0029-plans-and-quotas.md). */
export const LIMIT_PROFILES: Readonly<Record<'free' | 'pro' | 'unlimited', Limits>> = Object.freeze(
  { free: FREE_LIMITS, pro: PRO_LIMITS, unlimited: UNLIMITED_LIMITS },
);

/** The name of a plan in {@link LIMIT_PROFILES}. */
export type LimitProfile = keyof typeof LIMIT_PROFILES;

/** Every limit's name, in the order of {@link Limits} (what plans files and overrides may set). */
export const LIMIT_NAMES = Object.freeze(Object.keys(PRO_LIMITS)) as readonly (keyof Limits)[];

/** What a limit measures, in hosted Chroma's words (used in QuotaExceededError messages). */
export const Usage = {
  embeddingDimensions: 'Embedding dimension',
  documentBytes: 'Document size (bytes)',
  metadataValueBytes: 'Size of metadata dictionary value (bytes)',
  metadataKeys: 'Number of metadata dictionary keys',
  wherePredicates: 'Number of where clause predicates',
  whereDocumentPredicates: 'Number of where document predicates',
  nResults: 'Number of results',
  records: 'Number of records',
  idBytes: 'ID size (bytes)',
  collections: 'Number of collections',
  databases: 'Number of databases',
  collectionRecords: 'Collection size (records)',
} as const;

/**
 * Throws QuotaExceededError when `current` exceeds `limit`.
 * @param usage - what is measured (see {@link Usage})
 * @param action - the API action, e.g. `Add`, `Query`
 * @param current - the measured value
 * @param limit - the largest allowed value
 */
export function assertWithinLimit(
  usage: string,
  action: string,
  current: number,
  limit: number,
): void {
  if (current > limit) throw QuotaExceededError.forUsage(usage, action, current, limit);
}
