import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ObjectStore } from '@huedb/storage';
import { Segment } from './segment.js';
import { downloadSegment } from './transfer.js';

/** What a SegmentCache tells its owner (metrics, logs); every member is optional. */
export interface SegmentCacheObserver {
  /** Every lookup: `true` when the segment was open in memory (for hit-rate metrics). */
  lookup?(hit: boolean): void;
  /** A segment was opened after a miss. */
  loaded?(manifestKey: string, bytes: number): void;
  /** A segment was dropped from memory to stay within the budget (its disk copy stays). */
  evicted?(manifestKey: string, bytes: number): void;
  /** After every load or eviction: segments open in memory, and their bytes. */
  size?(segments: number, bytes: number): void;
}

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
    private readonly observer: SegmentCacheObserver = {},
  ) {}

  /** Segments open in memory. */
  get size(): number {
    return this.open.size;
  }

  /** Their bytes in memory (what the budget counts). */
  get memoryBytes(): number {
    return this.bytes;
  }

  /** The segment whose manifest is at `manifestKey`; throws ObjectNotFoundError when it is gone. */
  async load(manifestKey: string): Promise<Segment> {
    const cached = this.open.get(manifestKey);
    this.observer.lookup?.(cached !== undefined);
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
    this.observer.loaded?.(manifestKey, segment.memoryBytes);
    for (const [key, victim] of this.open) {
      if (this.bytes <= this.maxMemoryBytes || this.open.size <= 1) break;
      // Dropped, not closed: a read in flight may still hold it; the GC frees it after.
      this.open.delete(key);
      this.bytes -= victim.memoryBytes;
      this.observer.evicted?.(key, victim.memoryBytes);
    }
    this.observer.size?.(this.open.size, this.bytes);
    return segment;
  }
}
