import type { CollectionTail } from '@huedb/proto/log';
import { WalArgumentError, WalCompactedError } from './errors.js';
import type { WalLogger } from './wal.js';

/** A WalLogger on the console, with a `[huedb/wal]` prefix; `describe` renders a cause. */
export function consoleWalLogger(describe: (err: unknown) => string): WalLogger {
  return {
    info: (message) => console.info(`[huedb/wal] ${message}`),
    warn: (message, err) =>
      err === undefined
        ? console.warn(`[huedb/wal] ${message}`)
        : console.warn(`[huedb/wal] ${message}:`, describe(err)),
  };
}

/** Oldest uncompacted batch first; ties by collection id, so the order is deterministic. */
export function oldestTailFirst(a: CollectionTail, b: CollectionTail): number {
  if (a.firstAppendedAtMs !== b.firstAppendedAtMs) {
    return a.firstAppendedAtMs < b.firstAppendedAtMs ? -1 : 1;
  }
  return a.collectionId < b.collectionId ? -1 : a.collectionId > b.collectionId ? 1 : 0;
}

/** Rejects an empty collection id (every WAL operation is per collection). */
export function assertCollectionId(collectionId: string): void {
  if (typeof collectionId !== 'string' || collectionId.length === 0) {
    throw new WalArgumentError('a collection id is required');
  }
}

/** Throws WalCompactedError when a pull starts below the collection's recorded cursor. */
export function assertNotCompacted(cursor: bigint, collectionId: string, from: bigint): void {
  if (from < cursor) {
    throw new WalCompactedError(
      `collection ${collectionId} is compacted up to position ${cursor}; a pull from ${from} ` +
        'needs the newer segment version: refresh the collection and read again',
    );
  }
}
