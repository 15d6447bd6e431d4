import type { PlanOverhead } from './plan-overhead.js';
import type { AuthOverhead } from './auth-overhead.js';
import type { DatasetSpec } from './dataset.js';
import type { IngestOutcome } from './drivers/driver.js';
import type { Machine } from './machine.js';
import type { LatencyStats } from './measure.js';
import type { BenchOptions } from './options.js';

/** How long after the last acknowledged write compaction had indexed everything. */
export interface IndexedRow {
  method: 'log-position' | 'segment-records' | 'synchronous' | 'in-process';
  /** Seconds; undefined when it did not happen before the deadline. */
  afterLastAckS: number | undefined;
  /** The collection's version (compactions so far) when indexed. */
  version?: number;
  note?: string;
}

export type IngestRow = Omit<IngestOutcome, 'collectionId' | 'lastAckEpochMs'> & {
  indexed?: IndexedRow;
};

export interface QueryRow {
  filter: string;
  selectivity: number;
  concurrency: number;
  stats: LatencyStats;
  /** Mean recall@k over the queries that answered. */
  recall: number | undefined;
}

export interface FreshnessRow {
  probes: number;
  visibleOnFirstQuery: number;
  neverVisible: number;
  /** Of those, how many `get` by id returned (see FreshnessOutcome). */
  neverQueriedButStored: number;
  lagP50Ms: number;
  lagP95Ms: number;
  lagMaxMs: number;
  route: string;
}

export interface ColdStartRow {
  what: string;
  restartMs: number;
  firstQueryMs: number;
  secondQueryMs: number;
  /** recall@k of the first and second query (a cold node must still answer correctly). */
  firstRecall: number;
  secondRecall: number;
  /** What the first query returned, as returned (kept to diagnose a wrong cold answer). */
  firstIds: string[];
}

/** One column of the report for one dataset. */
export interface TargetRun {
  label: string;
  target: string;
  /** Which client drove it (`in-process` for hnswlib). */
  client: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  setup: Record<string, string>;
  /** 1-minute load average before and after this target's phases (noise indicator). */
  loadBefore: number;
  loadAfter: number;
  /** Time to start the target (ms), on its first dataset. */
  startMs?: number;
  ingest: IngestRow[];
  query: QueryRow[];
  freshness?: FreshnessRow;
  coldStart?: ColdStartRow;
  /** Phases that failed while others went on. */
  phaseErrors: { phase: string; error: string }[];
  notes: string[];
}

export interface DatasetResult {
  key: string;
  spec: DatasetSpec;
  /** When this run generated it (undefined: read from bench/cache). */
  generatedMs?: number;
  truthMs?: number;
  runs: TargetRun[];
}

/** The result JSON (bench/results/*.json). */
export interface BenchResult {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  command: string;
  machine: Machine;
  options: BenchOptions;
  /** What HUEDB_AUTH costs a request (undefined: skipped, or it failed: see authOverheadError). */
  authOverhead?: AuthOverhead;
  authOverheadError?: string;
  /** What plan enforcement costs a query and an add (undefined: skipped, or see planOverheadError). */
  planOverhead?: PlanOverhead;
  planOverheadError?: string;
  datasets: DatasetResult[];
}
