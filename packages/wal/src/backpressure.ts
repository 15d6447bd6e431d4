import { TailFullError } from './errors.js';
import type { TailSize } from './partition-tails.js';
import type { TailLimits } from './wal.js';

/**
 * Backpressure on appends, the same in both WALs: an append is refused (TailFullError) while the
 * collection's uncompacted tail, together with the appends accepted but not yet applied to the
 * tail (in flight), is at either limit. Counting the in-flight appends keeps a burst of
 * concurrent appends from all passing the check against the same tail size.
 */
export class TailBackpressure {
  /** Per collection: appends accepted and not yet applied to its tail. */
  readonly #inFlight = new Map<string, TailSize>();

  constructor(private readonly limits: TailLimits) {}

  /** Throws TailFullError when `tail` (the collection's applied tail) plus its in-flight is full. */
  admit(collectionId: string, tail: TailSize): void {
    const inFlight = this.#inFlight.get(collectionId);
    const records = tail.records + (inFlight?.records ?? 0);
    const bytes = tail.bytes + (inFlight?.bytes ?? 0);
    const { maxTailRecords, maxTailBytes } = this.limits;
    if (records >= maxTailRecords || bytes >= maxTailBytes) {
      throw new TailFullError(collectionId, records, bytes, maxTailRecords, maxTailBytes);
    }
  }

  /** Counts an accepted append as in flight. */
  reserve(collectionId: string, size: TailSize): void {
    this.#add(collectionId, size, 1);
  }

  /** Stops counting an append: it was applied to the tail, or it failed. */
  release(collectionId: string, size: TailSize): void {
    this.#add(collectionId, size, -1);
  }

  #add(collectionId: string, size: TailSize, sign: 1 | -1): void {
    const current = this.#inFlight.get(collectionId) ?? { records: 0, bytes: 0 };
    const next = {
      records: current.records + sign * size.records,
      bytes: current.bytes + sign * size.bytes,
    };
    if (next.records <= 0 && next.bytes <= 0) this.#inFlight.delete(collectionId);
    else this.#inFlight.set(collectionId, next);
  }
}
