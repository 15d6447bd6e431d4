import type { Dataset, FilterSpec } from '../dataset.js';
import type { LatencyStats } from '../measure.js';
import type { BenchOptions } from '../options.js';

/** One ingest of the whole base set into a new collection. */
export interface IngestOutcome {
  collectionId: string;
  records: number;
  /** Records per add call: the server's max_batch_size. */
  batchSize: number;
  concurrency: number;
  /** From the first request sent to the last acknowledgement. */
  seconds: number;
  recordsPerSec: number;
  /** 429 Backoff answers that were retried. */
  retries: number;
  /** Wall clock (epoch ms) of the last acknowledgement. */
  lastAckEpochMs: number;
}

/** A timed run of every query vector under one filter. */
export interface QueryOutcome {
  stats: LatencyStats;
  /** Base indices returned per query (undefined where the request failed). */
  ids: (number[] | undefined)[];
}

/** Add→visible probes. */
export interface FreshnessOutcome {
  probes: number;
  /** Probes whose record was in the answer of the first query sent after the ack. */
  visibleOnFirstQuery: number;
  /** Probes no query returned before the deadline. */
  neverVisible: number;
  /**
   * Of those, how many `get` by id did return: stored and readable, but missed by the filtered
   * query (an approximate search that skipped the only admitted record), not a visibility gap.
   */
  neverQueriedButStored: number;
  /** Per visible probe: from the add's acknowledgement to the answer that contained it (ms). */
  lagMs: number[];
  /** Where the adds and the queries went (they differ on a cluster: read-your-writes across gateways). */
  route: string;
}

/** The first queries after a restart. */
export interface FirstQueries {
  firstMs: number;
  secondMs: number;
  /** The ids the first query returned, as returned (checked against the ground truth). */
  firstIds: string[];
  /** The same for the second query. */
  secondIds: string[];
}

/**
 * Drives a server through one of Chroma's official clients. Every method is one bounded phase;
 * collections are addressed by name.
 */
export interface HttpDriver {
  /** e.g. `chromadb JS 3.5.0`. */
  readonly client: string;
  ingest(collection: string, dataset: Dataset, concurrency: number): Promise<IngestOutcome>;
  /**
   * `warmup` untimed queries, then every query vector once at `concurrency` — none started after
   * `budgetMs` (the warm-up gets a third of it).
   */
  query(
    collection: string,
    dataset: Dataset,
    filter: FilterSpec,
    concurrency: number,
    warmup: number,
    budgetMs: number,
  ): Promise<QueryOutcome>;
  freshness(collection: string, dataset: Dataset, probes: number): Promise<FreshnessOutcome>;
  /** After a restart: fresh connections, then two timed unfiltered queries. */
  firstQueries(collection: string, dataset: Dataset): Promise<FirstQueries>;
  deleteCollection(collection: string): Promise<void>;
  close(): void;
}

/** The `configuration` every collection is created with (Chroma's HNSW defaults, spelled out). */
export function hnswConfiguration(options: BenchOptions): {
  space: 'l2';
  ef_construction: number;
  ef_search: number;
  max_neighbors: number;
} {
  return {
    space: options.hnsw.space,
    ef_construction: options.hnsw.efConstruction,
    ef_search: options.hnsw.efSearch,
    max_neighbors: options.hnsw.maxNeighbors,
  };
}

/** Freshness probes give up on one record after this long. */
export const FRESHNESS_DEADLINE_MS = 30_000;
/** Most 429 Backoff retries of one add before the ingest fails. */
export const MAX_BACKOFF_RETRIES = 200;
