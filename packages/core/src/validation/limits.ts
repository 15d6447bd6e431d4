import { QuotaExceededError } from '../errors.js';

/** Plan limits and the check that enforces them (wording: hosted Chroma's quota enforcer). */

/**
 * Plan limits. Two sets ship: {@link HOSTED_LIMITS} (hosted Chroma's, docs/chroma-api.md; the
 * cluster's default) and {@link UNLIMITED_LIMITS} (what `chroma run` enforces: none of these;
 * single-node's). A limit of `Infinity` is never exceeded.
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
  /**
   * What pre-flight advertises as `max_batch_size` (a finite integer): Chroma's clients refuse
   * or split writes larger than this. Not enforced by itself; see `maxBatchSize`.
   */
  readonly preflightMaxBatchSize: number;
}

/** Hosted Chroma's limits: 4096 dimensions, 16 KiB documents, 8 KiB metadata strings, 32 keys,
 * 8 where predicates, 300 results, 1000 records per write. */
export const HOSTED_LIMITS: Limits = Object.freeze({
  maxDimension: 4096,
  maxDocumentBytes: 16 * 1024,
  maxMetadataValueBytes: 8 * 1024,
  maxMetadataKeys: 32,
  maxWherePredicates: 8,
  maxQueryResults: 300,
  maxBatchSize: 1000,
  preflightMaxBatchSize: 1000,
});

/** The same as {@link HOSTED_LIMITS} (the name older code imports). */
export const DEFAULT_LIMITS: Limits = HOSTED_LIMITS;

/**
 * What `chroma run` (Chroma 1.5.9, local) enforces: no plan limit at all — it takes 40 metadata
 * keys, 100 kB documents and metadata strings, 12 where predicates, any u32 `n_results`, 70,000
 * dimensions and 30,000 records in one add. Only the server's own safety limits (body size,
 * JSON nesting depth) remain, and those are not plan limits. Pre-flight advertises
 * `max_batch_size` 5461, as `chroma run` does.
 */
export const UNLIMITED_LIMITS: Limits = Object.freeze({
  maxDimension: Infinity,
  maxDocumentBytes: Infinity,
  maxMetadataValueBytes: Infinity,
  maxMetadataKeys: Infinity,
  maxWherePredicates: Infinity,
  maxQueryResults: Infinity,
  maxBatchSize: Infinity,
  preflightMaxBatchSize: 5461,
});

/** The named limit sets a deployment can be configured with. */
export const LIMIT_PROFILES = Object.freeze({ hosted: HOSTED_LIMITS, unlimited: UNLIMITED_LIMITS });

/** The name of a limit set in {@link LIMIT_PROFILES}. */
export type LimitProfile = keyof typeof LIMIT_PROFILES;

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
