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
  if (record.metadata) bytes += metadataBytes(record.metadata);
  return bytes;
}

/** Rough bytes of metadata: keys and strings at 2 bytes a character, 8 per number or flag. */
function metadataBytes(metadata: NonNullable<MaterializedRecord['metadata']>): number {
  // A walk, not JSON.stringify: this runs for every record the tail applies.
  let bytes = 0;
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    bytes += 16 + key.length * 2;
    if (typeof value === 'string') bytes += value.length * 2;
    else if (Array.isArray(value)) {
      for (const item of value) bytes += typeof item === 'string' ? item.length * 2 + 8 : 8;
    } else bytes += 8;
  }
  return bytes;
}
