/**
 * @huedb/index — HueDB's segment format: one immutable version of a collection's compacted
 * records as files in a directory (`hnsw.bin` from hnswlib, `records.bin`, `manifest.json`
 * written last). {@link writeSegment} builds one (the HNSW work in a worker thread, incrementally
 * from the previous version when given); {@link Segment} opens one and searches it. See README.md
 * for the file layout and the search strategy.
 */
import hnswlib from 'hnswlib-node';

export {
  Segment,
  MANIFEST_FILE,
  HNSW_FILE,
  RECORDS_FILE,
  SEGMENT_FORMAT_VERSION,
  BRUTE_FORCE_FRACTION,
  BRUTE_FORCE_MIN_ADMITTED,
  BRUTE_FORCE_MAX_ADMITTED,
  bruteForceThreshold,
  chooseBruteForce,
  parseManifest,
  sha256File,
  type SegmentRecord,
  type HnswParams,
  type SegmentManifest,
  type SegmentSearchOptions,
} from './segment.js';
export {
  writeSegment,
  HNSW_RANDOM_SEED,
  DEFAULT_MAX_DELETED_RATIO,
  MAX_LABEL,
  type IndexBuildStats,
  type WriteSegmentOptions,
} from './segment-writer.js';
export { SegmentCorruptError } from './segment-errors.js';
export {
  FlatIndex,
  FLAT_EXACT_MAX,
  float32ErrorBound,
  scanNearest,
  type FlatEntry,
  type FlatIndexOptions,
  type FlatNeighbor,
} from './flat-index.js';
export { TopK, compareNeighbors, type Neighbor, type NeighborWith } from './top-k.js';

/** hnswlib-node's index class (compiled from source by scripts/install.sh). */
export const HierarchicalNSW = hnswlib.HierarchicalNSW;
export { uploadSegment, downloadSegment, segmentPrefix } from './transfer.js';
export { SegmentCache, type SegmentCacheObserver } from './segment-cache.js';
