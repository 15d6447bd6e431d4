import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ObjectStore } from '@huedb/storage';
import { Segment } from './segment.js';
import { downloadSegment } from './transfer.js';

/**
 * Opened segments by manifest key: downloaded from the object store into a local disk cache on a
 * miss, kept open in memory up to `maxMemoryBytes` (least recently used dropped first). Segments
 * are immutable, so a cached one never goes stale; a version deleted from the store after it was
 * cached keeps serving from memory/disk until evicted, which is what readers in flight want.
 */
export class SegmentCache {
  private readonly open = new Map<string, Segment>();
  private readonly loading = new Map<string, Promise<Segment>>();
  private bytes = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly cacheDir: string,
    private readonly maxMemoryBytes: number,
    /** Told about every lookup: `true` when the segment was open in memory (for hit-rate metrics). */
    private readonly onLookup: (hit: boolean) => void = () => {},
  ) {}

  /** The segment whose manifest is at `manifestKey`; throws ObjectNotFoundError when it is gone. */
  async load(manifestKey: string): Promise<Segment> {
    const cached = this.open.get(manifestKey);
    this.onLookup(cached !== undefined);
    if (cached) {
      this.open.delete(manifestKey);
      this.open.set(manifestKey, cached);
      return cached;
    }
    let pending = this.loading.get(manifestKey);
    if (!pending) {
      pending = this.fetch(manifestKey).finally(() => this.loading.delete(manifestKey));
      this.loading.set(manifestKey, pending);
    }
    return pending;
  }

  private async fetch(manifestKey: string): Promise<Segment> {
    const dir = path.join(
      this.cacheDir,
      createHash('sha256').update(manifestKey).digest('hex').slice(0, 32),
    );
    await downloadSegment(this.store, manifestKey, dir);
    const segment = await Segment.open(dir);
    this.open.set(manifestKey, segment);
    this.bytes += segment.memoryBytes;
    for (const [key, victim] of this.open) {
      if (this.bytes <= this.maxMemoryBytes || this.open.size <= 1) break;
      // Dropped, not closed: a read in flight may still hold it; the GC frees it after.
      this.open.delete(key);
      this.bytes -= victim.memoryBytes;
    }
    return segment;
  }
}
