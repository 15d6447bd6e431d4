import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsObjectStore, ObjectNotFoundError, type ObjectStore } from '@huedb/storage';
import { SegmentCache } from './segment-cache.js';
import { writeSegment } from './segment-writer.js';
import { uploadSegment } from './transfer.js';

/** The segment cache on a filesystem object store: budget, LRU eviction, what it reports. */
describe('SegmentCache', () => {
  let dir: string;
  let store: ObjectStore;
  const keys: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'huedb-segment-cache-'));
    store = createFsObjectStore({ root: path.join(dir, 'objects') });
    for (const name of ['a', 'b', 'c']) {
      const built = path.join(dir, `build-${name}`);
      const records = Array.from({ length: 50 }, (_, i) => ({
        id: `${name}${i}`,
        embedding: new Float32Array([i, 1]),
        document: null,
        uri: null,
        metadata: null,
      }));
      await writeSegment(built, records, {
        space: 'l2',
        dimension: 2,
        maxNeighbors: 16,
        efConstruction: 100,
      });
      keys.push(await uploadSegment(store, built, `segments/${name}`));
    }
  });

  afterAll(async () => {
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the most recently used segments within its budget and reports every change', async () => {
    const events: string[] = [];
    const sizes: [number, number][] = [];
    let hits = 0;
    let misses = 0;
    const probe = new SegmentCache(store, path.join(dir, 'probe'), Number.MAX_SAFE_INTEGER);
    const one = (await probe.load(keys[0]!)).memoryBytes;
    // Room for two segments, not three.
    const cache = new SegmentCache(store, path.join(dir, 'cache'), Math.floor(one * 2.5), {
      lookup: (hit) => (hit ? hits++ : misses++),
      loaded: (key) => events.push(`loaded ${key}`),
      evicted: (key) => events.push(`evicted ${key}`),
      size: (segments, bytes) => sizes.push([segments, bytes]),
    });
    const [a, b, c] = keys as [string, string, string];
    await cache.load(a);
    await cache.load(b);
    await cache.load(a); // a is now the most recent: b goes first
    await cache.load(c);
    expect(events).toEqual([`loaded ${a}`, `loaded ${b}`, `loaded ${c}`, `evicted ${b}`]);
    expect([hits, misses]).toEqual([1, 3]);
    expect(cache.size).toBe(2);
    expect(sizes.at(-1)).toEqual([2, cache.memoryBytes]);
    expect(cache.memoryBytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
    await expect(cache.load('segments/none/manifest.json')).rejects.toBeInstanceOf(
      ObjectNotFoundError,
    );
  });
});
