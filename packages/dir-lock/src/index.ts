/**
 * One lock for every directory a single process must own: the local write-ahead log's
 * (`@huedb/wal/local`) and single-node mode's PGlite catalog (`@huedb/catalog`).
 */
export {
  DirectoryLock,
  type DirectoryLockOptions,
  type LockFormat,
  type LockRefusal,
} from './directory-lock.js';
export { syncDirectory } from './sync-directory.js';
