import { LRUCache } from 'lru-cache';
import { assertWithinLimit, Usage } from '@huedb/core';

/**
 * How old a collection's record count may be when a write is checked against the plan's
 * `max_records_per_collection`: the bound on the check's lag. Within it, this gateway adds its
 * own acknowledged writes to the count; writes through OTHER gateways are seen at the next
 * recount, so N gateways writing one collection flat out can pass the limit by at most what
 * they write in this long (docs/decisions/0029-plans-and-quotas.md).
 */
export const COLLECTION_SIZE_MAX_AGE_MS = 1000;

interface Size {
  records: number;
  countedAt: number;
}

/**
 * Records per collection for the size limit: a count from the query node (exact at the log's
 * end) reused for {@link COLLECTION_SIZE_MAX_AGE_MS}, plus this gateway's writes since. An add
 * or upsert counts its whole batch (an upsert of ids that exist grows nothing, but telling the
 * two apart would cost a read per write): near the limit, upserts of existing ids are refused
 * while the collection is within a batch of it.
 */
export class CollectionSizes {
  private readonly sizes = new LRUCache<string, Size>({ max: 100_000 });

  /**
   * Throws QuotaExceededError (nothing written) when `adding` more records would take the
   * collection over `limit`. `count` reads the collection's record count when the known one is
   * too old. Returns the projected size (what the headroom header reports after the write).
   */
  async check(
    collectionId: string,
    adding: number,
    limit: number,
    action: string,
    count: () => Promise<number>,
  ): Promise<number> {
    let size = this.sizes.get(collectionId);
    if (!size || Date.now() - size.countedAt > COLLECTION_SIZE_MAX_AGE_MS) {
      const countedAt = Date.now();
      size = { records: await count(), countedAt };
      this.sizes.set(collectionId, size);
    }
    assertWithinLimit(Usage.collectionRecords, action, size.records + adding, limit);
    return size.records + adding;
  }

  /** Adds an acknowledged write's records to the known count. */
  wrote(collectionId: string, added: number): void {
    const size = this.sizes.get(collectionId);
    if (size) size.records += added;
  }

  /** Forgets a collection's count (after a delete, so the next check recounts). */
  forget(collectionId: string): void {
    this.sizes.delete(collectionId);
  }
}
