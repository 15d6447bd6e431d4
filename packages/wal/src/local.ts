/**
 * The local-file implementation of the WriteAheadLog, for single-node mode (a separate entry point,
 * like `@huedb/wal/kafka`, so each mode loads only what it uses).
 */
export { LocalWal, type LocalWalOptions } from './local-wal.js';
export { segmentFileName } from './wal-segment-files.js';
