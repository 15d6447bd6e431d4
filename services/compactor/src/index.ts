/**
 * The HueDB compactor: log tails → immutable HNSW segment versions in the object store.
 * Single-node mode runs a Compactor in-process with in-process clients.
 */
export {
  Compactor,
  type CompactorDeps,
  type CompactionOutcome,
  type SegmentLoader,
} from './compactor.service.js';
export { createCompactorHandlers } from './compactor.grpc.js';
export { compactorSettings, loadCompactorConfig, type CompactorConfig } from './config.js';
