import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, SPACES, type Space } from '@huedb/core';
import { writeRecordsFile } from './records-file.js';
import {
  HNSW_FILE,
  MANIFEST_FILE,
  RECORDS_FILE,
  SEGMENT_FORMAT_VERSION,
  sha256File,
  type HnswParams,
  type Segment,
  type SegmentManifest,
  type SegmentRecord,
} from './segment.js';

/** hnswlib's random seed for every build (its default), so the same input gives the same index. */
export const HNSW_RANDOM_SEED = 100;
/**
 * An incremental build turns into a full rebuild (same labels) when the index would hold more than
 * this many markDelete'd points per live record: dead points still cost memory, capacity and
 * graph hops. At 0.5 a rebuild happens at most once per ~N/2 changed records, which bounds the
 * amortized extra work to about two insertions per change.
 */
export const DEFAULT_MAX_DELETED_RATIO = 0.5;
/** Largest HNSW label hnswlib-node accepts (it reads labels as uint32). */
export const MAX_LABEL = 0xffff_ffff;

/** What the HNSW build did (see {@link WriteSegmentOptions.onIndexBuilt}). */
export interface IndexBuildStats {
  /** `incremental`: the previous index was loaded and patched; `full`: built from scratch. */
  mode: 'full' | 'incremental';
  /** Points in the index, markDelete'd ones included. */
  elementCount: number;
  /** Of those, markDelete'd. */
  deletedCount: number;
  /** hnswlib's maxElements. */
  capacity: number;
  /** Time in the worker (load, delete, add, write), ms. */
  buildMs: number;
}

/** Options of {@link writeSegment}. */
export interface WriteSegmentOptions {
  /** An opened earlier segment of the same collection: update its index incrementally. */
  previous?: Segment;
  /** Aborts the build: the worker is terminated and the directory removed. */
  signal?: AbortSignal;
  /** See {@link DEFAULT_MAX_DELETED_RATIO}. */
  maxDeletedRatio?: number;
  /** Called with what the HNSW build did, before the manifest is written. */
  onIndexBuilt?: (stats: IndexBuildStats) => void;
}

/** workerData of build-index.worker.mjs. */
interface BuildRequest {
  space: Space;
  dimension: number;
  maxNeighbors: number;
  efConstruction: number;
  randomSeed: number;
  /** Transferred: N × dimension raw float32, position-major. */
  embeddings: ArrayBuffer;
  /** Label of each position. */
  labels: Uint32Array<ArrayBuffer>;
  /** Positions to add to the previous index; null when building from scratch. */
  addPositions: Uint32Array<ArrayBuffer> | null;
  /** Labels of the previous index to markDelete. */
  deleteLabels: Uint32Array<ArrayBuffer>;
  previousIndexPath: string | null;
  outputPath: string;
  maxDeletedRatio: number;
}

type BuildMessage =
  { ok: true; result: IndexBuildStats } | { ok: false; message: string; stack?: string };

/**
 * The worker entry is plain JavaScript beside this file (in src/ when running from TypeScript
 * source, copied to dist/ by the build), so it starts the same under vitest, `node --import tsx`
 * and compiled code: worker threads do not inherit their parent's TypeScript loader.
 */
const WORKER_URL = new URL('./build-index.worker.mjs', import.meta.url);

/**
 * Builds a segment in `dir` (created; must be empty or absent) from the collection's FINAL live
 * records in first-insertion order; resolves to its manifest once `manifest.json` — written last,
 * atomically by rename — is in place. On any failure or abort the directory is removed.
 *
 * With `previous` (an opened earlier segment of the same collection, same HNSW parameters), the
 * previous index file is loaded and patched: records that vanished or whose embedding changed are
 * markDelete'd, new or changed ones are added with fresh labels from `previous.manifest.nextLabel`,
 * unchanged records keep their labels. When the dead points would exceed `maxDeletedRatio` × live
 * ones, or the parameters differ, the index is rebuilt from scratch — still with the same labels.
 *
 * The HNSW work runs in a worker thread (embeddings transferred, not copied); the caller's thread
 * only packs the vectors and writes the records file, yielding between slices, so its event loop
 * keeps running.
 * @param dir - the segment directory to create
 * @param records - the live records, position order; ids unique, embeddings of `params.dimension`
 * @param params - the HNSW parameters
 * @param options - previous segment, abort signal, rebuild ratio, stats callback
 */
export async function writeSegment(
  dir: string,
  records: readonly SegmentRecord[],
  params: HnswParams,
  options: WriteSegmentOptions = {},
): Promise<SegmentManifest> {
  checkParams(params);
  const { previous, signal } = options;
  const maxDeletedRatio = options.maxDeletedRatio ?? DEFAULT_MAX_DELETED_RATIO;
  if (previous && previous.manifest.dimension !== params.dimension) {
    throw new InvalidArgumentError(
      `previous segment has dimension ${previous.manifest.dimension}, the new one ${params.dimension}`,
    );
  }
  signal?.throwIfAborted();
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) {
    throw new Error(`segment directory ${dir} is not empty`);
  }
  try {
    return await build(dir, records, params, previous, maxDeletedRatio, options);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function build(
  dir: string,
  records: readonly SegmentRecord[],
  params: HnswParams,
  previous: Segment | undefined,
  maxDeletedRatio: number,
  options: WriteSegmentOptions,
): Promise<SegmentManifest> {
  const { signal } = options;
  const { dimension } = params;
  const count = records.length;
  const embeddings = new Float32Array(count * dimension);
  const labels = new Uint32Array(count);
  const addPositions: number[] = [];
  const ids = new Set<string>();
  const kept = previous ? new Uint8Array(previous.size) : null;
  let nextLabel = previous?.manifest.nextLabel ?? 0;

  for (let position = 0; position < count; position++) {
    const record = records[position]!;
    checkRecord(record, position, dimension, ids);
    embeddings.set(record.embedding, position * dimension);
    let label: number | undefined;
    const before = previous?.positionOf(record.id);
    if (before !== undefined && sameVector(previous!.embedding(before), record.embedding)) {
      label = previous!.labelOf(before);
      kept![before] = 1;
    } else {
      if (nextLabel > MAX_LABEL) throw new Error('the collection has used every HNSW label');
      label = nextLabel++;
      addPositions.push(position);
    }
    labels[position] = label;
    if ((position & 4095) === 4095) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
  }
  const deleteLabels: number[] = [];
  if (previous && kept) {
    for (let before = 0; before < previous.size; before++) {
      if (kept[before] === 0) deleteLabels.push(previous.labelOf(before));
    }
  }

  const recordsFile = await writeRecordsFile(
    path.join(dir, RECORDS_FILE),
    dimension,
    embeddings,
    labels,
    (position) => records[position]!,
    signal,
  );

  const m = previous?.manifest;
  const incremental =
    m !== undefined &&
    m.space === params.space &&
    m.maxNeighbors === params.maxNeighbors &&
    m.efConstruction === params.efConstruction;
  const request: BuildRequest = {
    space: params.space,
    dimension,
    maxNeighbors: params.maxNeighbors,
    efConstruction: params.efConstruction,
    randomSeed: HNSW_RANDOM_SEED,
    embeddings: embeddings.buffer,
    labels,
    addPositions: incremental ? Uint32Array.from(addPositions) : null,
    deleteLabels: Uint32Array.from(deleteLabels),
    previousIndexPath: incremental ? path.join(previous!.dir, HNSW_FILE) : null,
    outputPath: path.join(dir, HNSW_FILE),
    maxDeletedRatio,
  };
  const stats = await runBuildWorker(request, signal);
  options.onIndexBuilt?.(stats);

  const hnswPath = path.join(dir, HNSW_FILE);
  const hnsw = { bytes: (await stat(hnswPath)).size, sha256: await sha256File(hnswPath) };
  signal?.throwIfAborted();
  const manifest: SegmentManifest = {
    formatVersion: SEGMENT_FORMAT_VERSION,
    dimension,
    space: params.space,
    maxNeighbors: params.maxNeighbors,
    efConstruction: params.efConstruction,
    recordCount: count,
    nextLabel,
    files: [
      { name: HNSW_FILE, ...hnsw },
      { name: RECORDS_FILE, ...recordsFile },
    ],
  };
  // Written last and renamed into place: a directory with manifest.json is complete.
  const partial = path.join(dir, `${MANIFEST_FILE}.partial`);
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  await rename(partial, path.join(dir, MANIFEST_FILE));
  return manifest;
}

/**
 * Runs build-index.worker.mjs on `request`, transferring its embeddings. Abort terminates the
 * worker (hnswlib's addPoint cannot be interrupted otherwise) and rejects with the signal's reason.
 */
function runBuildWorker(request: BuildRequest, signal?: AbortSignal): Promise<IndexBuildStats> {
  return new Promise((resolve, reject) => {
    const transferList: ArrayBuffer[] = [
      request.embeddings,
      request.labels.buffer,
      request.deleteLabels.buffer,
    ];
    if (request.addPositions) transferList.push(request.addPositions.buffer);
    const worker = new Worker(WORKER_URL, { workerData: request, transferList });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    // Reject only once the worker has stopped, so that the caller's cleanup (removing the
    // directory) cannot race with a build still writing into it.
    const onAbort = () => {
      const reason = signal!.reason as Error;
      settle(() => {
        worker.terminate().then(
          () => reject(reason),
          () => reject(reason),
        );
      });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    worker.once('message', (message: BuildMessage) =>
      settle(() => {
        if (message.ok) resolve(message.result);
        else reject(new Error(`HNSW build failed: ${message.message}`));
      }),
    );
    worker.once('error', (err: unknown) =>
      settle(() => reject(err instanceof Error ? err : new Error(String(err)))),
    );
    worker.once('exit', (code) =>
      settle(() =>
        reject(new Error(`HNSW build worker exited with code ${code} before answering`)),
      ),
    );
  });
}

function checkParams(params: HnswParams): void {
  const positive = (x: number, min: number) => Number.isSafeInteger(x) && x >= min;
  if (!SPACES.includes(params.space)) {
    throw new InvalidArgumentError(`unknown space ${JSON.stringify(params.space)}`);
  }
  if (!positive(params.dimension, 1)) {
    throw new InvalidArgumentError(`dimension must be an integer ≥ 1, got ${params.dimension}`);
  }
  if (!positive(params.maxNeighbors, 2)) {
    throw new InvalidArgumentError(
      `maxNeighbors must be an integer ≥ 2, got ${params.maxNeighbors}`,
    );
  }
  if (!positive(params.efConstruction, 1)) {
    throw new InvalidArgumentError(
      `efConstruction must be an integer ≥ 1, got ${params.efConstruction}`,
    );
  }
}

function checkRecord(
  record: SegmentRecord,
  position: number,
  dimension: number,
  ids: Set<string>,
): void {
  if (typeof record.id !== 'string') {
    throw new InvalidArgumentError(`record at position ${position} has no string id`);
  }
  if (ids.has(record.id)) {
    throw new InvalidArgumentError(`id ${JSON.stringify(record.id)} appears twice`);
  }
  ids.add(record.id);
  const v = record.embedding;
  if (!(v instanceof Float32Array) || v.length !== dimension) {
    throw new InvalidArgumentError(
      `record ${JSON.stringify(record.id)}: expected a Float32Array of ${dimension} values`,
    );
  }
  for (let i = 0; i < v.length; i++) {
    // NaN or ±Infinity would poison hnswlib's graph (every comparison with them is false).
    if (!Number.isFinite(v[i])) {
      throw new InvalidArgumentError(
        `record ${JSON.stringify(record.id)}: embedding value ${i} is ${v[i]}`,
      );
    }
  }
}

/** Same values (0 and −0 count as equal: every distance treats them alike). */
function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
