/**
 * A server the bench starts, drives over the Chroma HTTP API, restarts for the cold-start probe
 * and stops: the HueDB cluster, single-node HueDB, or the reference Chroma.
 */
export interface ServerTarget {
  /** `cluster`, `single-node`, `chroma`. */
  readonly name: string;
  /** Starts the server; resolves when it serves. */
  start(): Promise<void>;
  /** Base URLs of its HTTP endpoints (gateways), after start(). */
  readonly baseUrls: string[];
  /**
   * The headers every request carries (the cluster's admin token: its gateways run with auth
   * on, as in production); none for servers without auth.
   */
  readonly headers?: Record<string, string>;
  /**
   * Restarts what serves queries with an empty cache (HueDB: the query nodes with their segment
   * cache wiped; single-node and Chroma: the whole process). Resolves when it serves again.
   */
  restartQueryNode(): Promise<{ restartMs: number; what: string }>;
  /** How "compaction has indexed everything" is observed (see {@link IndexedProbe}). */
  readonly indexedProbe: IndexedProbe;
  /** Stops everything start() started. */
  stop(): Promise<void>;
  /** What the report should say about this target's setup (versions, settings). */
  describe(): Record<string, string>;
}

/**
 * - `log-position`: `logEnd(collection)` gives the log position after the last acknowledged
 *   write; indexed when the collection's `log_position` reaches it.
 * - `segment-records`: `latestSegment(collection)` reads the newest compacted segment version's
 *   manifest; indexed when it holds every record written and the collection's `version` has
 *   reached it (the catalog registered it, so queries use it).
 * - `synchronous`: the server indexes inside the write it acknowledges (Chroma's local mode).
 */
export type IndexedProbe =
  | { kind: 'log-position'; logEnd(collectionId: string): Promise<bigint> }
  | {
      kind: 'segment-records';
      latestSegment(
        collectionId: string,
      ): Promise<{ version: number; records: number } | undefined>;
    }
  | { kind: 'synchronous'; why: string };
