import type { Collection } from '@huedb/proto/catalog';

/** What is warmed: a QueryEngine (tail applied, tail index built). */
export interface Warmable {
  warm(collection: Collection, toPosition: bigint): Promise<void>;
}

/** What the warmer needs to know about a collection when it runs. */
export interface WarmSources {
  /** The collection's current catalog row; undefined when it is gone. */
  rowOf(collectionId: string): Promise<Collection | undefined>;
  /** The log's end for the collection (what a read's bound would be: ScoutLogs). */
  boundOf(collectionId: string): Promise<bigint>;
  /** Told when a warm-up failed (it is only an optimisation: the next read catches up itself). */
  onError?(collectionId: string, err: unknown): void;
}

/**
 * Applies collections' log tails to their cached views as writes are acknowledged, so the first
 * query after an ingest costs what the second does (issue 14): without it, that query applied the
 * whole tail (~5 µs a record: decoding, metadata, the kernel's rows) before it could search.
 *
 * Writes only mark their collection; the catch-up runs after the current turn of the event loop
 * (setImmediate), at most one per collection at a time, and marks arriving meanwhile are coalesced
 * into one more run. Reads are untouched: each still catches the view up to its own bound under
 * the view's lock, so read-your-writes holds whatever the warmer did or did not do — it only
 * leaves a read less to apply. The warm-up uses the catalog's row and the log's end at the time
 * it runs, as a read arriving then would.
 */
export class TailWarmer {
  /** Collections marked and not yet being warmed. */
  private readonly pending = new Set<string>();
  /** Collections being warmed now. */
  private readonly running = new Set<string>();
  private scheduled = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly target: Warmable,
    private readonly sources: WarmSources,
  ) {}

  /** A write to the collection was acknowledged. */
  written(collectionId: string): void {
    if (this.closed) return;
    this.pending.add(collectionId);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Stops taking marks and waits for the warm-ups under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private drain(): void {
    for (const id of this.pending) {
      // Marked again while being warmed: drained again when that run ends.
      if (this.running.has(id)) continue;
      this.pending.delete(id);
      this.running.add(id);
      const run = this.warm(id).finally(() => {
        this.running.delete(id);
        this.inFlight.delete(run);
        if (this.pending.has(id) && !this.closed) this.drain();
      });
      this.inFlight.add(run);
    }
  }

  private async warm(collectionId: string): Promise<void> {
    try {
      // The bound before the row: a row read after it is at least as new, so the view it gives
      // holds every write below the bound (a compaction in between is the row's, not lost).
      const bound = await this.sources.boundOf(collectionId);
      const row = await this.sources.rowOf(collectionId);
      if (row) await this.target.warm(row, bound);
    } catch (err) {
      this.sources.onError?.(collectionId, err);
    }
  }
}
