import type { LiveRecord } from '@huedb/core';

/** A live record as the query node holds it. */
export type MaterializedRecord = LiveRecord;

/**
 * A collection's live records in first-insertion order. A Map keeps insertion order, keeps a key's
 * position when it is overwritten, and moves a deleted-then-added key to the end: exactly Chroma's
 * `get` order.
 */
export type RecordSet = Map<string, MaterializedRecord>;

/** Rough bytes a record set holds, for the cache's budget. */
export function estimateBytes(record: MaterializedRecord): number {
  let bytes = 64 + record.id.length * 2 + record.embedding.byteLength;
  if (record.document) bytes += record.document.length * 2;
  if (record.uri) bytes += record.uri.length * 2;
  if (record.metadata) bytes += JSON.stringify(record.metadata).length * 2;
  return bytes;
}
