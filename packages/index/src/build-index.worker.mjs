/**
 * The worker thread that builds a segment's HNSW index (started by segment-writer.ts).
 *
 * Plain JavaScript on purpose, importing only hnswlib-node and Node builtins: a worker thread does
 * not inherit the loader hooks of its parent (tsx, vitest's transform), so a TypeScript entry
 * would run only where the process was started with a TypeScript loader. This file runs as is
 * from src/ (vitest, `node --import tsx`) and from dist/ (the build copies it there).
 *
 * hnswlib-node's addPoint is synchronous and takes one plain JS array per point, so the whole
 * build happens here, off the caller's event loop. Input (workerData, see BuildRequest in
 * segment-writer.ts): the RAW embeddings of every live record as one transferred ArrayBuffer,
 * position-major; each position's label; which positions to add (null: build from scratch);
 * which labels of the previous index to markDelete; the previous index file (or null) and the
 * output file. Output: one message, BuildResult.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';

const request = workerData;
const {
  space,
  dimension,
  maxNeighbors,
  efConstruction,
  randomSeed,
  labels,
  deleteLabels,
  previousIndexPath,
  outputPath,
  maxDeletedRatio,
} = request;
const vectors = new Float32Array(request.embeddings);
const count = labels.length;

// One array reused for every point: the binding copies it into a std::vector<float>.
const point = new Array(dimension).fill(0);
function pointAt(position) {
  const base = position * dimension;
  for (let i = 0; i < dimension; i++) point[i] = vectors[base + i];
  return point;
}

/** Capacity for `elements` points: 10% headroom (at least 16) so small increments fit as is. */
function capacityFor(elements) {
  return elements + Math.max(16, Math.ceil(elements * 0.1));
}

function buildFromScratch() {
  const index = new hnswlib.HierarchicalNSW(space, dimension);
  index.initIndex(capacityFor(count), maxNeighbors, efConstruction, randomSeed);
  for (let position = 0; position < count; position++) {
    index.addPoint(pointAt(position), labels[position]);
  }
  return index;
}

async function build() {
  const started = performance.now();
  let mode = 'full';
  let index;
  if (previousIndexPath !== null && request.addPositions !== null) {
    const addPositions = request.addPositions;
    index = new hnswlib.HierarchicalNSW(space, dimension);
    await index.readIndex(previousIndexPath);
    // markDelete'd points stay in the index (and count against its capacity) forever; once they
    // would outnumber maxDeletedRatio × the live ones, rebuild instead. The rebuild keeps every
    // label, so it is invisible to readers.
    const elements = index.getCurrentCount() + addPositions.length;
    const deleted = elements - count;
    if (deleted > maxDeletedRatio * count) {
      index = buildFromScratch();
    } else {
      mode = 'incremental';
      for (let i = 0; i < deleteLabels.length; i++) index.markDelete(deleteLabels[i]);
      if (elements > index.getMaxElements()) index.resizeIndex(capacityFor(elements));
      for (let i = 0; i < addPositions.length; i++) {
        const position = addPositions[i];
        index.addPoint(pointAt(position), labels[position]);
      }
    }
  } else {
    index = buildFromScratch();
  }
  const elements = index.getCurrentCount();
  await index.writeIndex(outputPath);
  return {
    mode,
    elementCount: elements,
    deletedCount: elements - count,
    capacity: index.getMaxElements(),
    buildMs: performance.now() - started,
  };
}

build().then(
  (result) => parentPort.postMessage({ ok: true, result }),
  (err) =>
    parentPort.postMessage({
      ok: false,
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
);
