import { readFile, stat, truncate, writeFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPACES, distanceFn, normalize, type Space } from '@huedb/core';
import {
  HNSW_FILE,
  HierarchicalNSW,
  MANIFEST_FILE,
  RECORDS_FILE,
  Segment,
  SegmentCorruptError,
  bruteForceThreshold,
  writeSegment,
  type HnswParams,
  type IndexBuildStats,
  type SegmentRecord,
} from './index.js';
import {
  clusteredVectors,
  exactKnn,
  recordsOf,
  rng,
  tempDir,
  uniformVectors,
} from '../test/fixtures.js';

const params = (space: Space, dimension: number): HnswParams => ({
  space,
  dimension,
  maxNeighbors: 16,
  efConstruction: 100,
});

let root: string;
let cleanup: () => Promise<void>;
let counter = 0;
const fresh = () => path.join(root, `s${counter++}`);

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterAll(async () => {
  await cleanup();
});

const plain = (r: SegmentRecord) => ({ ...r, embedding: Array.from(r.embedding) });

describe('writeSegment + Segment.open', () => {
  it('round-trips every field, including nulls, unicode and metadata arrays', async () => {
    const vectors = uniformVectors(6, 4, 1);
    const records: SegmentRecord[] = [
      {
        id: 'plain',
        embedding: vectors[0]!,
        document: 'a document',
        uri: 'https://example.com/x',
        metadata: { s: 'x', n: 1.5, i: -3, b: true },
      },
      { id: 'nulls', embedding: vectors[1]!, document: null, uri: null, metadata: null },
      {
        id: 'ünïcødé-日本語-🦀',
        embedding: vectors[2]!,
        document: 'emoji 🚀, CJK 漢字, RTL עברית, "quotes" \\ and\nnewlines\u0000nul',
        uri: null,
        metadata: {
          'clé 🔑': 'välue ✓',
          tags: ['α', 'β', '🙂'],
          nums: [1, 2.5, -3],
          flags: [true, false],
        },
      },
      { id: '', embedding: vectors[3]!, document: '', uri: '', metadata: {} },
      {
        id: 'long document',
        embedding: vectors[4]!,
        document: 'x'.repeat(20_000),
        uri: null,
        metadata: { big: 1e300, small: -1e-300, zero: 0 },
      },
      { id: 'last', embedding: vectors[5]!, document: null, uri: 'file:///tmp/a', metadata: null },
    ];
    const dir = fresh();
    const manifest = await writeSegment(dir, records, params('l2', 4));
    expect(manifest).toMatchObject({
      formatVersion: 1,
      dimension: 4,
      space: 'l2',
      maxNeighbors: 16,
      efConstruction: 100,
      recordCount: 6,
      nextLabel: 6,
    });
    expect(manifest.files.map((f) => f.name).sort()).toEqual([HNSW_FILE, RECORDS_FILE]);
    for (const file of manifest.files) {
      const bytes = await readFile(path.join(dir, file.name));
      expect(bytes.length).toBe(file.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
    expect((await readdir(dir)).sort()).toEqual([HNSW_FILE, MANIFEST_FILE, RECORDS_FILE]);
    expect(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8'))).toEqual(manifest);

    const segment = await Segment.open(dir, { verify: true });
    expect(segment.size).toBe(6);
    expect(segment.manifest).toEqual(manifest);
    expect(segment.dir).toBe(dir);
    records.forEach((r, position) => {
      expect(plain(segment.record(position))).toEqual(plain(r));
      expect(segment.positionOf(r.id)).toBe(position);
      expect(segment.labelOf(position)).toBe(position);
    });
    expect(segment.positionOf('missing')).toBeUndefined();
    expect(() => segment.record(6)).toThrow(RangeError);
    expect(() => segment.record(-1)).toThrow(RangeError);
    expect(Object.isFrozen(segment.record(2).metadata)).toBe(true);
    expect(segment.memoryBytes).toBeGreaterThan(20_000);
    segment.close();
    expect(() => segment.record(0)).toThrow(/closed/);
  });

  it('writes and opens an empty segment', async () => {
    const dir = fresh();
    const manifest = await writeSegment(dir, [], params('cosine', 8));
    expect(manifest.recordCount).toBe(0);
    const segment = await Segment.open(dir);
    expect(segment.size).toBe(0);
    expect(segment.search(new Float32Array(8).fill(1), 10, { efSearch: 10 })).toEqual([]);
  });

  it('builds the same index from the same input (fixed seed)', async () => {
    const records = recordsOf(clusteredVectors(1000, 16, 8, 3));
    const a = await writeSegment(fresh(), records, params('l2', 16));
    const b = await writeSegment(fresh(), records, params('l2', 16));
    expect(a.files).toEqual(b.files);
  });

  it('rejects bad input, leaves a non-empty directory alone and removes its own on failure', async () => {
    const vectors = uniformVectors(3, 4, 2);
    const records = recordsOf(vectors);
    const busy = fresh();
    await mkdir(busy, { recursive: true });
    await writeFile(path.join(busy, 'keep'), 'x');
    await expect(writeSegment(busy, records, params('l2', 4))).rejects.toThrow(/not empty/);
    expect(await readdir(busy)).toEqual(['keep']);

    const dup = fresh();
    await expect(
      writeSegment(dup, [records[0]!, { ...records[1]!, id: records[0]!.id }], params('l2', 4)),
    ).rejects.toThrow(/appears twice/);
    await expect(stat(dup)).rejects.toThrow(/ENOENT/);
    await expect(writeSegment(fresh(), records, params('l2', 5))).rejects.toThrow(/5 values/);
    const nan = { ...records[0]!, embedding: new Float32Array([0, NaN, 0, 0]) };
    await expect(writeSegment(fresh(), [nan], params('l2', 4))).rejects.toThrow(/NaN/);
    await expect(
      writeSegment(fresh(), records, { ...params('l2', 4), maxNeighbors: 1 }),
    ).rejects.toThrow(/maxNeighbors/);
  });

  it('aborts: rejects with the reason and removes the directory', async () => {
    const records = recordsOf(clusteredVectors(4000, 64, 10, 4));
    const dir = fresh();
    const controller = new AbortController();
    const pending = writeSegment(dir, records, params('l2', 64), { signal: controller.signal });
    // Abort while the HNSW build runs: the records file is written just before the worker starts,
    // so once it exists the build is under way (polled, not timed: a fast machine cannot finish
    // the write before the abort lands unnoticed).
    const deadline = Date.now() + 30_000;
    let written = false;
    while (!written) {
      written = await stat(path.join(dir, RECORDS_FILE)).then(
        () => true,
        () => false,
      );
      if (Date.now() > deadline) throw new Error('the records file did not appear within 30 s');
      if (!written) await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort(new Error('stop now'));
    await expect(pending).rejects.toThrow('stop now');
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);

    // Aborted after the build, before the manifest is written: still rejected, still removed.
    const late = fresh();
    const lateController = new AbortController();
    await expect(
      writeSegment(late, records, params('l2', 64), {
        signal: lateController.signal,
        onIndexBuilt: () => lateController.abort(new Error('stop late')),
      }),
    ).rejects.toThrow('stop late');
    await expect(stat(late)).rejects.toThrow(/ENOENT/);

    const early = fresh();
    await expect(
      writeSegment(early, records, params('l2', 64), { signal: AbortSignal.abort() }),
    ).rejects.toThrow(/abort/i);
    await expect(stat(early)).rejects.toThrow(/ENOENT/);
  });
});

describe('Segment.search', () => {
  const dimension = 24;
  // cosine and l2 see raw, non-unit embeddings (a third scaled by 3.5: the segment must compute
  // cosine on the raw vectors, while hnswlib stores normalized ones). ip gets unit vectors, the
  // only ones it is meaningful for: on mixed norms inner-product HNSW is a known weak spot
  // (forced filtered HNSW measured 0.78 recall there; the automatic choice uses brute force).
  const mixed = clusteredVectors(2500, dimension, 12, 5).map((v, i) =>
    i % 3 === 0 ? v.map((x) => x * 3.5) : v,
  );
  const unit = mixed.map((v) => normalize(v));
  const data = (space: Space) => (space === 'ip' ? unit : mixed);
  const queries = clusteredVectors(20, dimension, 12, 5).map((q, i) => {
    const out = q.slice();
    out[i % dimension] = out[i % dimension]! + 0.25;
    return out;
  });
  const segments = new Map<Space, Segment>();

  beforeAll(async () => {
    for (const space of SPACES) {
      const dir = fresh();
      await writeSegment(dir, recordsOf(data(space)), params(space, dimension));
      segments.set(space, await Segment.open(dir));
    }
  });

  it.each(SPACES)('%s: distances are @huedb/core brute force on the raw embeddings', (space) => {
    const segment = segments.get(space)!;
    const distance = distanceFn(space);
    let hits = 0;
    for (const query of queries) {
      const found = segment.search(query, 10, { efSearch: 100 });
      expect(found).toHaveLength(10);
      for (const { position, distance: d } of found) {
        expect(d).toBe(distance(query, data(space)[position]!));
      }
      expect(found.map((r) => r.distance)).toEqual(
        [...found.map((r) => r.distance)].sort((a, b) => a - b),
      );
      const exact = new Set(exactKnn(data(space), query, 10, space).map((r) => r.position));
      hits += found.filter((r) => exact.has(r.position)).length;
      // Forced brute force is exact, to the bit.
      expect(segment.search(query, 10, { efSearch: 1, strategy: 'brute-force' })).toEqual(
        exactKnn(data(space), query, 10, space),
      );
    }
    expect(hits / (10 * queries.length)).toBeGreaterThanOrEqual(0.95);
  });

  it('returns all records when k exceeds the size, and nothing for k = 0', () => {
    const segment = segments.get('l2')!;
    const found = segment.search(queries[0]!, 5000, { efSearch: 10 });
    expect(found).toHaveLength(mixed.length);
    expect(new Set(found.map((r) => r.position)).size).toBe(mixed.length);
    expect(segment.search(queries[0]!, 0, { efSearch: 10 })).toEqual([]);
    expect(() => segment.search(new Float32Array(3), 1, { efSearch: 10 })).toThrow(/dimension/);
  });

  describe.each(SPACES)('%s with a filter', (space) => {
    const sparse = (p: number) => p % 50 === 7; // 50 of 2500: below the threshold
    const dense = (p: number) => p % 5 !== 0; // 2000 of 2500: above it
    const count = (admits: (p: number) => boolean) =>
      mixed.reduce((n, _, p) => n + (admits(p) ? 1 : 0), 0);

    it('picks brute force below the threshold and HNSW above it', () => {
      expect(count(sparse)).toBeLessThan(bruteForceThreshold(mixed.length));
      expect(count(dense)).toBeGreaterThanOrEqual(bruteForceThreshold(mixed.length));
    });

    it.each([
      ['sparse, brute force (auto, counted)', sparse, undefined, 'auto'],
      ['sparse, brute force (auto, count given)', sparse, 50, 'auto'],
      ['sparse, brute force (forced)', sparse, undefined, 'brute-force'],
      ['dense, brute force (forced)', dense, undefined, 'brute-force'],
    ] as const)('%s equals exact search', (_name, admits, admittedCount, strategy) => {
      const segment = segments.get(space)!;
      for (const query of queries) {
        const found = segment.search(query, 10, { efSearch: 50, admits, admittedCount, strategy });
        expect(found).toEqual(exactKnn(data(space), query, 10, space, admits));
      }
    });

    it.each([
      ['dense, HNSW (auto, counted)', dense, undefined, 'auto'],
      ['dense, HNSW (auto, count given)', dense, 2000, 'auto'],
      ['sparse, HNSW (forced)', sparse, 50, 'hnsw'],
      ['dense, HNSW (forced)', dense, undefined, 'hnsw'],
    ] as const)('%s agrees with exact search', (_name, admits, admittedCount, strategy) => {
      const segment = segments.get(space)!;
      const distance = distanceFn(space);
      let hits = 0;
      for (const query of queries) {
        const found = segment.search(query, 10, { efSearch: 50, admits, admittedCount, strategy });
        expect(found).toHaveLength(10);
        const exact = exactKnn(data(space), query, 10, space, admits);
        const exactSet = new Set(exact.map((r) => r.position));
        for (const { position, distance: d } of found) {
          expect(admits(position)).toBe(true);
          expect(d).toBe(distance(query, data(space)[position]!));
        }
        hits += found.filter((r) => exactSet.has(r.position)).length;
      }
      expect(hits / (10 * queries.length)).toBeGreaterThanOrEqual(0.95);
    });

    it('returns fewer than k when fewer are admitted', () => {
      const segment = segments.get(space)!;
      const three = (p: number) => p === 3 || p === 1000 || p === 2499;
      for (const strategy of ['auto', 'hnsw', 'brute-force'] as const) {
        const found = segment.search(queries[1]!, 10, {
          efSearch: 50,
          admits: three,
          admittedCount: 3,
          strategy,
        });
        expect(found).toEqual(exactKnn(data(space), queries[1]!, 10, space, three));
      }
      expect(segment.search(queries[1]!, 10, { efSearch: 50, admits: () => false })).toEqual([]);
    });
  });
});

describe('incremental build', () => {
  const dimension = 16;
  const base = recordsOf(clusteredVectors(600, dimension, 10, 11));
  const random = rng(12);
  const moved = (r: SegmentRecord): SegmentRecord => ({
    ...r,
    embedding: r.embedding.map((x) => x + (random() - 0.5)),
  });

  // v2: drop every 10th, move every 10th+1's embedding, change every 10th+2's metadata only,
  // add 70 new records; order is first-insertion order (survivors keep theirs, new ones last).
  const extra = recordsOf(clusteredVectors(70, dimension, 10, 13), 'new');
  const next: SegmentRecord[] = [
    ...base
      .filter((_, i) => i % 10 !== 0)
      .map((r, _, __) => {
        const i = Number(r.id.slice(1));
        if (i % 10 === 1) return moved(r);
        if (i % 10 === 2) return { ...r, metadata: { changed: true }, document: 'changed' };
        return r;
      }),
    ...extra,
  ];
  const removedIds = base.filter((_, i) => i % 10 === 0).map((r) => r.id);
  const movedIds = new Set(base.filter((_, i) => i % 10 === 1).map((r) => r.id));

  it('keeps unchanged labels, relabels changed ones and never returns removed ones', async () => {
    const v1Dir = fresh();
    await writeSegment(v1Dir, base, params('l2', dimension));
    const v1 = await Segment.open(v1Dir);
    let stats: IndexBuildStats | undefined;
    const v2Dir = fresh();
    const manifest = await writeSegment(v2Dir, next, params('l2', dimension), {
      previous: v1,
      onIndexBuilt: (s) => (stats = s),
    });
    expect(stats).toMatchObject({ mode: 'incremental', elementCount: 600 + 60 + 70 });
    expect(stats!.deletedCount).toBe(60 + 60);
    expect(manifest.nextLabel).toBe(600 + 60 + 70);
    expect(manifest.recordCount).toBe(next.length);

    const v2 = await Segment.open(v2Dir, { verify: true });
    const freshDir = fresh();
    await writeSegment(freshDir, next, params('l2', dimension));
    const scratch = await Segment.open(freshDir);
    expect(v2.size).toBe(scratch.size);
    for (let p = 0; p < v2.size; p++) expect(plain(v2.record(p))).toEqual(plain(scratch.record(p)));

    const relabeled: number[] = [];
    for (let p = 0; p < v2.size; p++) {
      const id = v2.record(p).id;
      const before = v1.positionOf(id);
      if (before !== undefined && !movedIds.has(id)) {
        expect(v2.labelOf(p)).toBe(v1.labelOf(before));
      } else {
        expect(v2.labelOf(p)).toBeGreaterThanOrEqual(600);
        relabeled.push(v2.labelOf(p));
      }
    }
    expect(relabeled).toHaveLength(130);
    expect(new Set(relabeled).size).toBe(130);
    for (const id of removedIds) expect(v2.positionOf(id)).toBeUndefined();

    // Straight at hnswlib: every label it can return is a live one.
    const live = new Set(Array.from({ length: v2.size }, (_, p) => v2.labelOf(p)));
    const index = new HierarchicalNSW('l2', dimension);
    await index.readIndex(path.join(v2Dir, HNSW_FILE));
    index.setEf(2000);
    for (const query of next.slice(0, 20).map((r) => r.embedding)) {
      const { neighbors } = index.searchKnn(Array.from(query), 700);
      expect(neighbors.length).toBe(v2.size);
      for (const label of neighbors) expect(live.has(label)).toBe(true);
    }
    // And through the segment, the moved records are found at their new place.
    for (const record of next.filter((r) => movedIds.has(r.id)).slice(0, 20)) {
      const [top] = v2.search(record.embedding, 1, { efSearch: 50 });
      expect(top).toEqual({ position: v2.positionOf(record.id), distance: 0 });
    }

    // A third version on top of the second keeps going from nextLabel.
    const v3Dir = fresh();
    const v3Manifest = await writeSegment(
      v3Dir,
      [...next, ...recordsOf(uniformVectors(5, dimension, 14), 'v3-')],
      params('l2', dimension),
      { previous: v2 },
    );
    expect(v3Manifest.nextLabel).toBe(manifest.nextLabel + 5);
  });

  it('rebuilds from scratch, keeping labels, once dead points pass the ratio', async () => {
    const v1Dir = fresh();
    await writeSegment(v1Dir, base, params('cosine', dimension));
    const v1 = await Segment.open(v1Dir);
    let stats: IndexBuildStats | undefined;
    const v2Dir = fresh();
    await writeSegment(v2Dir, next, params('cosine', dimension), {
      previous: v1,
      maxDeletedRatio: 0.1,
      onIndexBuilt: (s) => (stats = s),
    });
    expect(stats).toMatchObject({ mode: 'full', elementCount: next.length, deletedCount: 0 });
    const v2 = await Segment.open(v2Dir);
    for (let p = 0; p < v2.size; p++) {
      const id = v2.record(p).id;
      const before = v1.positionOf(id);
      if (before !== undefined && !movedIds.has(id)) expect(v2.labelOf(p)).toBe(v1.labelOf(before));
    }
    const query = next[3]!.embedding;
    expect(v2.search(query, 10, { efSearch: 100 })).toEqual(
      v2.search(query, 10, { efSearch: 100, strategy: 'brute-force' }),
    );
  });

  it('rejects a previous segment of another dimension', async () => {
    const v1Dir = fresh();
    await writeSegment(v1Dir, base, params('l2', dimension));
    const v1 = await Segment.open(v1Dir);
    const other = recordsOf(uniformVectors(3, 8, 1));
    await expect(writeSegment(fresh(), other, params('l2', 8), { previous: v1 })).rejects.toThrow(
      /dimension/,
    );
  });
});

describe('Segment.open rejects damaged segments', () => {
  const records = recordsOf(uniformVectors(200, 8, 21));
  const build = async () => {
    const dir = fresh();
    await writeSegment(dir, records, params('l2', 8));
    return dir;
  };

  it('without a manifest', async () => {
    const dir = await build();
    await rm(path.join(dir, MANIFEST_FILE));
    await expect(Segment.open(dir)).rejects.toThrow(/manifest\.json is missing/);
    await expect(Segment.open(path.join(root, 'nowhere'))).rejects.toBeInstanceOf(
      SegmentCorruptError,
    );
  });

  it.each([HNSW_FILE, RECORDS_FILE])('with %s missing or truncated', async (name) => {
    const dir = await build();
    const file = path.join(dir, name);
    const { size } = await stat(file);
    await truncate(file, size - 100);
    await expect(Segment.open(dir)).rejects.toThrow(
      new RegExp(`${name.replace('.', '\\.')} is ${size - 100} bytes, the manifest says ${size}`),
    );
    await rm(file);
    await expect(Segment.open(dir)).rejects.toThrow(
      new RegExp(`${name.replace('.', '\\.')} is missing`),
    );
  });

  it('with a truncated records file whose manifest was made to agree', async () => {
    const dir = await build();
    const file = path.join(dir, RECORDS_FILE);
    const { size } = await stat(file);
    await truncate(file, size - 10);
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      files: { name: string; bytes: number }[];
    };
    manifest.files.find((f) => f.name === RECORDS_FILE)!.bytes = size - 10;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(Segment.open(dir)).rejects.toThrow(/records\.bin.*truncated/);
  });

  it('with a flipped byte, when verifying', async () => {
    const dir = await build();
    const file = path.join(dir, HNSW_FILE);
    const bytes = await readFile(file);
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(file, bytes);
    await expect(Segment.open(dir, { verify: true })).rejects.toThrow(/hnsw\.bin has sha256/);
  });

  it('with a manifest of another format version', async () => {
    const dir = await build();
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { formatVersion: number };
    manifest.formatVersion = 2;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(Segment.open(dir)).rejects.toThrow(/format version 2/);
  });
});
