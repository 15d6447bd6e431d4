import type { Collection } from '@huedb/proto/catalog';

/**
 * Collection rows by (tenant, database, id), kept for a short time so that record operations do
 * not ask the catalog on every request. A stale row is safe: its dimension is re-checked by the
 * catalog's compare-and-set on the first write, and a read from an outdated segment version is
 * refused by the log (compaction moved on) and retried with a fresh row. What staleness can do is
 * let a collection deleted through ANOTHER gateway take writes for up to `ttlMs`; deletes and
 * updates through this gateway invalidate at once.
 */
export class CollectionRowCache {
  private readonly rows = new Map<string, { row: Collection; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(tenant: string, database: string, id: string): Collection | undefined {
    const key = cacheKey(tenant, database, id);
    const hit = this.rows.get(key);
    if (!hit) return undefined;
    if (hit.expires < Date.now()) {
      this.rows.delete(key);
      return undefined;
    }
    return hit.row;
  }

  set(tenant: string, database: string, row: Collection): void {
    if (this.ttlMs <= 0) return;
    if (this.rows.size >= this.maxEntries) {
      // Drop the oldest insertion; rows are cheap to fetch again.
      const oldest = this.rows.keys().next();
      if (!oldest.done) this.rows.delete(oldest.value);
    }
    this.rows.set(cacheKey(tenant, database, row.id), { row, expires: Date.now() + this.ttlMs });
  }

  /** Forgets a collection under every scope it was cached in. */
  invalidate(id: string): void {
    for (const [key, entry] of this.rows) if (entry.row.id === id) this.rows.delete(key);
  }
}

function cacheKey(tenant: string, database: string, id: string): string {
  return `${tenant}\u0000${database}\u0000${id}`;
}
