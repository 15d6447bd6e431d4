import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import hnswlib, { type HierarchicalNSW } from 'hnswlib-node';
import {
  InvalidArgumentError,
  SPACES,
  distanceFn,
  type DistanceFn,
  type Metadata,
  type Space,
} from '@huedb/core';
import { readRecordsFile, type RecordColumns } from './records-file.js';
import { SegmentCorruptError } from './segment-errors.js';
import { TopK, compareNeighbors, type Neighbor } from './top-k.js';

/** One record of a segment. */
export interface SegmentRecord {
  id: string;
  /** The raw vector as written (for `cosine`, NOT normalized). */
  embedding: Float32Array;
  document: string | null;
  uri: string | null;
  metadata: Metadata | null;
  /** Metadata keys whose integral numbers are floats (`1.0`, which JSON reads as `1`), if any. */
  floatKeys?: readonly string[];
}

/** How a segment's HNSW index is built (Chroma's `hnsw` configuration). */
export interface HnswParams {
  space: Space;
  dimension: number;
  /** hnswlib's M. */
  maxNeighbors: number;
  efConstruction: number;
}

/** `manifest.json`: what a segment is made of. Written last; its presence means complete. */
export interface SegmentManifest {
  formatVersion: 1;
  dimension: number;
  space: Space;
  maxNeighbors: number;
  efConstruction: number;
  recordCount: number;
  /** label to give the next new record (labels are never reused within a collection's lineage) */
  nextLabel: number;
  /** files of the segment, relative names, with byte sizes and sha256 — the manifest itself is 'manifest.json' and not listed */
  files: { name: string; bytes: number; sha256: string }[];
}

/** Options of {@link Segment.search}. */
export interface SegmentSearchOptions {
  /** hnswlib's ef at query time; the search uses max(efSearch, k). */
  efSearch: number;
  /** Which positions may be returned (undefined: all). Called synchronously, possibly often. */
  admits?: (position: number) => boolean;
  /**
   * How many positions `admits` admits, when the caller knows (it usually has just evaluated the
   * filter). Without it, the search counts by calling `admits` on positions until it has seen
   * enough to choose the strategy.
   */
  admittedCount?: number;
  /** Forces a strategy (tests, benchmarks); default `auto` (see {@link chooseBruteForce}). */
  strategy?: 'auto' | 'hnsw' | 'brute-force';
}

/** The manifest's name in a segment directory. */
export const MANIFEST_FILE = 'manifest.json';
/** The hnswlib index (writeIndex output). */
export const HNSW_FILE = 'hnsw.bin';
/** The records file (see records-file.ts and README.md). */
export const RECORDS_FILE = 'records.bin';
/** The only manifest format this code reads and writes. */
export const SEGMENT_FORMAT_VERSION = 1;

/**
 * A filtered search runs exact brute force over the admitted positions when fewer than
 * `max(BRUTE_FORCE_MIN_ADMITTED, min(BRUTE_FORCE_FRACTION × size, BRUTE_FORCE_MAX_ADMITTED))`
 * are admitted, and HNSW with a filter callback otherwise. Why: hnswlib calls the JS filter once
 * per visited candidate and, at low selectivity, visits ~ef/selectivity candidates to find ef
 * admitted ones, while brute force costs one JS distance per admitted position (~3 µs at 768-d).
 * Measured with test/segment-bench.ts (README.md has the table), the break-even is ~2,000
 * admitted (10%) at 20k × 128 and ~3,000 (3%) at 100k × 768; it grows with the segment more
 * slowly than the segment does, hence the fraction capped by an absolute count. Below 1,000
 * brute force is always cheaper (≤ 3 ms at 768-d).
 */
export const BRUTE_FORCE_FRACTION = 0.1;
/** See {@link BRUTE_FORCE_FRACTION}. */
export const BRUTE_FORCE_MIN_ADMITTED = 1_000;
/** See {@link BRUTE_FORCE_FRACTION}. */
export const BRUTE_FORCE_MAX_ADMITTED = 4_000;

/**
 * The number of admitted positions below which a filtered search of a segment of `size` records
 * is answered by brute force (see {@link BRUTE_FORCE_FRACTION}).
 * @param size - the segment's record count
 */
export function bruteForceThreshold(size: number): number {
  return Math.max(
    BRUTE_FORCE_MIN_ADMITTED,
    Math.min(Math.ceil(size * BRUTE_FORCE_FRACTION), BRUTE_FORCE_MAX_ADMITTED),
  );
}

/**
 * Whether a filtered search admitting `admitted` of `size` positions uses brute force.
 * @param admitted - how many positions the filter admits
 * @param size - the segment's record count
 */
export function chooseBruteForce(admitted: number, size: number): boolean {
  return admitted < bruteForceThreshold(size);
}

/**
 * One immutable version of a collection's compacted records, opened from its directory: the
 * records in memory (raw embeddings in one Float32Array) and the HNSW index loaded by hnswlib.
 *
 * Positions are first-insertion order (0..size−1, what `get` pages through); labels are hnswlib's
 * ids, stable across incremental builds. Everything a Segment returns (records, embeddings,
 * metadata) is shared with every other reader of this cached version: embeddings are views into
 * one buffer and metadata is frozen — never mutate them.
 */
export class Segment {
  /** The record count. */
  readonly size: number;
  /** Approximate bytes held in memory (records, embeddings, lookups and the HNSW index). */
  readonly memoryBytes: number;

  private readonly distance: DistanceFn;
  private readonly positionById: Map<string, number>;
  private readonly positionByLabel: Int32Array | Map<number, number>;
  private index: HierarchicalNSW | null;

  private constructor(
    /** The directory the segment was opened from. */
    readonly dir: string,
    /** Its manifest. */
    readonly manifest: SegmentManifest,
    private readonly columns: RecordColumns,
    index: HierarchicalNSW,
  ) {
    this.size = manifest.recordCount;
    this.index = index;
    this.distance = distanceFn(manifest.space);
    const corrupt = (what: string) => new SegmentCorruptError(`segment ${dir}: ${what}`);

    this.positionById = new Map();
    for (let position = 0; position < this.size; position++) {
      const id = columns.ids[position]!;
      if (this.positionById.has(id)) throw corrupt(`id ${JSON.stringify(id)} appears twice`);
      this.positionById.set(id, position);
    }

    // Labels are dense while a collection is young; after many updates they may be sparse, and a
    // dense table would then cost more than the map.
    let maxLabel = -1;
    for (const label of columns.labels) maxLabel = Math.max(maxLabel, label);
    if (maxLabel >= manifest.nextLabel) {
      throw corrupt(`label ${maxLabel} is not below nextLabel ${manifest.nextLabel}`);
    }
    const dense = maxLabel < 4 * this.size + 1024;
    const byLabel = dense ? new Int32Array(maxLabel + 1).fill(-1) : new Map<number, number>();
    for (let position = 0; position < this.size; position++) {
      const label = columns.labels[position]!;
      const seen = byLabel instanceof Int32Array ? byLabel[label]! >= 0 : byLabel.has(label);
      if (seen) throw corrupt(`label ${label} appears twice`);
      if (byLabel instanceof Int32Array) byLabel[label] = position;
      else byLabel.set(label, position);
    }
    this.positionByLabel = byLabel;

    this.memoryBytes = estimateMemory(manifest, columns, index, byLabel);
  }

  /**
   * Opens a segment directory. Checks that the manifest is there and well-formed, and that every
   * file it lists exists with the listed size (a truncated or missing file is a clear
   * SegmentCorruptError naming it); with `verify`, also checks every file's sha256 (reads each
   * file once more). The HNSW file is read by hnswlib on the libuv pool; the records file with
   * async reads and a yield between JSON chunks, so opening a large segment does not hold the
   * event loop for long.
   * @param dir - the segment directory
   * @param options - `verify`: check sha256 too (default false)
   */
  static async open(dir: string, options: { verify?: boolean } = {}): Promise<Segment> {
    const corrupt = (what: string) => new SegmentCorruptError(`segment ${dir}: ${what}`);
    let text: string;
    try {
      text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    } catch (err) {
      if (isNotFound(err)) {
        throw corrupt(`${MANIFEST_FILE} is missing (the segment is absent or incomplete)`);
      }
      throw err;
    }
    const manifest = parseManifest(text, corrupt);

    for (const file of manifest.files) {
      const filePath = path.join(dir, file.name);
      let bytes: number;
      try {
        bytes = (await stat(filePath)).size;
      } catch (err) {
        if (isNotFound(err)) throw corrupt(`${file.name} is missing`);
        throw err;
      }
      if (bytes !== file.bytes) {
        throw corrupt(
          `${file.name} is ${bytes} bytes, the manifest says ${file.bytes} (truncated or incomplete)`,
        );
      }
      if (options.verify) {
        const sha256 = await sha256File(filePath);
        if (sha256 !== file.sha256) {
          throw corrupt(`${file.name} has sha256 ${sha256}, the manifest says ${file.sha256}`);
        }
      }
    }

    // The HNSW file loads on the libuv pool while this thread parses the records file: a cold
    // first query waits for the longer of the two, not their sum.
    const index = new hnswlib.HierarchicalNSW(manifest.space, manifest.dimension);
    const indexRead = index.readIndex(path.join(dir, HNSW_FILE)).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    let columns: RecordColumns;
    try {
      columns = await readRecordsFile(path.join(dir, RECORDS_FILE), manifest);
    } catch (err) {
      await indexRead;
      if (err instanceof SegmentCorruptError) throw corrupt(err.message);
      throw err;
    }
    const indexError = await indexRead;
    if (indexError) throw corrupt(`${HNSW_FILE} cannot be loaded: ${indexError.message}`);
    if (index.getCurrentCount() < manifest.recordCount) {
      throw corrupt(
        `${HNSW_FILE} holds ${index.getCurrentCount()} points for ${manifest.recordCount} records`,
      );
    }
    return new Segment(dir, manifest, columns, index);
  }

  /**
   * The record at a position (0..size−1, first-insertion order). Its embedding is a view into the
   * segment's buffer and its metadata is frozen: read, never mutate.
   * @param position - the position
   */
  record(position: number): SegmentRecord {
    this.checkPosition(position);
    const c = this.columns;
    return {
      id: c.ids[position]!,
      embedding: this.embeddingAt(position),
      document: c.documents[position]!,
      uri: c.uris[position]!,
      metadata: c.metadatas[position]!,
      floatKeys: c.floatKeys[position],
    };
  }

  /**
   * The raw embedding at a position (a view into the segment's buffer; do not mutate).
   * @param position - the position
   */
  embedding(position: number): Float32Array {
    this.checkPosition(position);
    return this.embeddingAt(position);
  }

  /**
   * The HNSW label of the record at a position (stable across incremental builds).
   * @param position - the position
   */
  labelOf(position: number): number {
    this.checkPosition(position);
    return this.columns.labels[position]!;
  }

  /**
   * The position of a record id, undefined when the segment does not hold it.
   * @param id - the record id
   */
  positionOf(id: string): number | undefined {
    return this.positionById.get(id);
  }

  /**
   * The k nearest records among the positions `admits` admits (all when undefined), nearest
   * first, ties by position. Distances are @huedb/core's (l2: squared L2; cosine: 1 − cos;
   * ip: 1 − dot) computed on the RAW stored embeddings of the returned records, so they equal
   * brute force's exactly; HNSW only chooses the candidates.
   *
   * Strategy: no filter → HNSW with ef = max(efSearch, k); a filter admitting fewer than
   * {@link bruteForceThreshold} positions → exact brute force over them; otherwise HNSW with the
   * filter as hnswlib's callback (label → admitted). If HNSW returns fewer results than it is
   * known to be able to (a sparse filter it could not reach through the graph), the search falls
   * back to brute force, so a filtered search never misses admitted records for lack of reach.
   * @param query - a vector of the segment's dimension
   * @param k - how many to return (at most)
   * @param options - ef and filter (see {@link SegmentSearchOptions})
   */
  search(query: Float32Array, k: number, options: SegmentSearchOptions): Neighbor[] {
    const index = this.openIndex();
    if (query.length !== this.manifest.dimension) {
      throw new InvalidArgumentError(
        `Collection expecting embedding with dimension of ${this.manifest.dimension}, got ${query.length}`,
      );
    }
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be an integer ≥ 0, got ${k}`);
    if (!Number.isInteger(options.efSearch) || options.efSearch < 1) {
      throw new RangeError(`efSearch must be an integer ≥ 1, got ${options.efSearch}`);
    }
    if (k === 0 || this.size === 0 || options.admittedCount === 0) return [];
    const ef = Math.max(options.efSearch, k);
    const { admits, admittedCount } = options;
    const strategy = options.strategy ?? 'auto';

    if (admits === undefined) {
      if (strategy === 'brute-force') return this.bruteForce(query, k, undefined);
      return this.hnsw(index, query, Math.min(k, this.size), ef, undefined);
    }
    if (strategy === 'brute-force') return this.bruteForce(query, k, admits);
    if (strategy === 'hnsw') return this.filteredHnsw(index, query, k, ef, admits, admittedCount);

    const threshold = bruteForceThreshold(this.size);
    if (admittedCount !== undefined) {
      return admittedCount < threshold
        ? this.bruteForce(query, k, admits)
        : this.filteredHnsw(index, query, k, ef, admits, admittedCount);
    }
    // Count until the choice is clear: a dense filter stops the scan early.
    const admitted: number[] = [];
    for (let position = 0; position < this.size && admitted.length < threshold; position++) {
      if (admits(position)) admitted.push(position);
    }
    return admitted.length < threshold
      ? this.bruteForceOver(query, k, admitted)
      : this.filteredHnsw(index, query, k, ef, admits, admitted.length);
  }

  /**
   * Releases the HNSW index (hnswlib frees it when collected) and makes every later call throw.
   * Callers must not close a segment that a search may still use.
   */
  close(): void {
    this.index = null;
  }

  private filteredHnsw(
    index: HierarchicalNSW,
    query: Float32Array,
    k: number,
    ef: number,
    admits: (position: number) => boolean,
    admittedAtLeast: number | undefined,
  ): Neighbor[] {
    const expected = Math.min(k, admittedAtLeast ?? this.size);
    if (expected === 0) return [];
    const byLabel = this.positionByLabel;
    const filter =
      byLabel instanceof Int32Array
        ? (label: number) => {
            const position = label < byLabel.length ? byLabel[label]! : -1;
            return position >= 0 && admits(position);
          }
        : (label: number) => {
            const position = byLabel.get(label);
            return position !== undefined && admits(position);
          };
    const found = this.hnsw(index, query, expected, ef, filter);
    if (admittedAtLeast !== undefined && found.length < expected) {
      return this.bruteForce(query, k, admits);
    }
    return found;
  }

  private hnsw(
    index: HierarchicalNSW,
    query: Float32Array,
    n: number,
    ef: number,
    filter: ((label: number) => boolean) | undefined,
  ): Neighbor[] {
    index.setEf(ef);
    const { neighbors } = index.searchKnn(Array.from(query), n, filter);
    const out: Neighbor[] = [];
    for (const label of neighbors) {
      const position = this.positionOfLabel(label);
      // Every live label has a position; a deleted one is never returned by hnswlib.
      if (position === undefined) continue;
      out.push({ position, distance: this.distance(query, this.embeddingAt(position)) });
    }
    return out.sort(compareNeighbors);
  }

  private bruteForce(
    query: Float32Array,
    k: number,
    admits: ((position: number) => boolean) | undefined,
  ): Neighbor[] {
    const top = new TopK(k);
    for (let position = 0; position < this.size; position++) {
      if (admits === undefined || admits(position)) {
        top.push(position, this.distance(query, this.embeddingAt(position)));
      }
    }
    return top.sorted();
  }

  private bruteForceOver(query: Float32Array, k: number, positions: readonly number[]): Neighbor[] {
    const top = new TopK(k);
    for (const position of positions) {
      top.push(position, this.distance(query, this.embeddingAt(position)));
    }
    return top.sorted();
  }

  private positionOfLabel(label: number): number | undefined {
    const byLabel = this.positionByLabel;
    if (byLabel instanceof Int32Array) {
      const position = label < byLabel.length ? byLabel[label]! : -1;
      return position >= 0 ? position : undefined;
    }
    return byLabel.get(label);
  }

  private embeddingAt(position: number): Float32Array {
    const dimension = this.manifest.dimension;
    return this.columns.embeddings.subarray(position * dimension, (position + 1) * dimension);
  }

  private checkPosition(position: number): void {
    this.openIndex();
    if (!Number.isInteger(position) || position < 0 || position >= this.size) {
      throw new RangeError(`position ${position} is outside 0..${this.size - 1}`);
    }
  }

  private openIndex(): HierarchicalNSW {
    if (this.index === null) throw new Error(`segment ${this.dir} is closed`);
    return this.index;
  }
}

/**
 * Parses and checks a manifest; throws what `corrupt` makes.
 * @param text - the manifest's JSON
 * @param corrupt - builds the error
 */
export function parseManifest(text: string, corrupt: (what: string) => Error): SegmentManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(`${MANIFEST_FILE} is not JSON: ${(err as Error).message}`);
  }
  const m = value as Partial<SegmentManifest> | null;
  const count = (x: unknown, min: number) => Number.isSafeInteger(x) && (x as number) >= min;
  if (typeof m !== 'object' || m === null) throw corrupt(`${MANIFEST_FILE} is not an object`);
  if (m.formatVersion !== SEGMENT_FORMAT_VERSION) {
    throw corrupt(`unsupported segment format version ${String(m.formatVersion)}`);
  }
  if (
    !count(m.dimension, 1) ||
    !SPACES.includes(m.space as Space) ||
    !count(m.maxNeighbors, 2) ||
    !count(m.efConstruction, 1) ||
    !count(m.recordCount, 0) ||
    !count(m.nextLabel, 0) ||
    !Array.isArray(m.files)
  ) {
    throw corrupt(`${MANIFEST_FILE} is malformed`);
  }
  for (const file of m.files as unknown[]) {
    const f = file as { name?: unknown; bytes?: unknown; sha256?: unknown } | null;
    if (
      typeof f?.name !== 'string' ||
      !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(f.name) ||
      !count(f.bytes, 0) ||
      typeof f.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(f.sha256)
    ) {
      throw corrupt(`${MANIFEST_FILE} lists a malformed file entry`);
    }
  }
  for (const required of [HNSW_FILE, RECORDS_FILE]) {
    if (!m.files.some((f) => f.name === required)) {
      throw corrupt(`${MANIFEST_FILE} does not list ${required}`);
    }
  }
  return m as SegmentManifest;
}

/**
 * sha256 (hex) of a file, streamed.
 * @param filePath - the file
 */
export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * An estimate, for caches: the typed arrays exactly; the JS strings and metadata objects as twice
 * their JSON bytes plus ~120 bytes per record (id map entry, array slots, object headers); the
 * HNSW index as hnswlib allocates it — capacity × (vector + level-0 links + label + per-element
 * lock and bookkeeping) plus the upper-level links and the label map.
 */
function estimateMemory(
  manifest: SegmentManifest,
  columns: RecordColumns,
  index: HierarchicalNSW,
  byLabel: Int32Array | Map<number, number>,
): number {
  const fileBytes = (name: string) => manifest.files.find((f) => f.name === name)?.bytes ?? 0;
  const n = manifest.recordCount;
  const entriesBytes = Math.max(
    0,
    fileBytes(RECORDS_FILE) - columns.embeddings.byteLength - columns.labels.byteLength,
  );
  const records =
    columns.embeddings.byteLength +
    columns.labels.byteLength +
    2 * entriesBytes +
    120 * n +
    (byLabel instanceof Int32Array ? byLabel.byteLength : 40 * byLabel.size);
  const level0 = 4 + manifest.maxNeighbors * 2 * 4 + manifest.dimension * 4 + 8;
  const elements = index.getCurrentCount();
  const upperLinks = Math.max(0, fileBytes(HNSW_FILE) - elements * level0);
  const hnsw = index.getMaxElements() * (level0 + 56) + upperLinks + elements * 48;
  return records + hnsw;
}
