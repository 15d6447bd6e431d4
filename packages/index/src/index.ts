/**
 * The segment format (issue 4): an hnswlib-node index per collection version, its records and a
 * manifest. For now it re-exports the native HNSW binding so the workspace builds and tests it.
 */
import hnswlib from 'hnswlib-node';

/** hnswlib-node's index class (compiled from source by scripts/install.sh). */
export const HierarchicalNSW = hnswlib.HierarchicalNSW;
