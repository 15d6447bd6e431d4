import { Operation, type LogRecord, type PositionedBatch } from '@huedb/proto/log';
import { embeddingFromBytes } from './embeddings.js';
import { integralFloatKeys, updateMetadataFromProto } from './metadata-codec.js';
import { nullObject } from './own.js';
import type { Metadata, MetadataValue } from './types.js';

/** A live record as the log's operations leave it: every field known, embedding required. */
export interface LiveRecord {
  id: string;
  embedding: Float32Array;
  document: string | null;
  uri: string | null;
  /** Null when the record has no metadata keys (Chroma returns null then, never `{}`). */
  metadata: Metadata | null;
  /**
   * Metadata keys whose integral numbers are floats (`1.0`; JS numbers cannot tell it from `1`),
   * so that reads return them as floats. Absent when there are none.
   */
  floatKeys?: readonly string[];
}

/**
 * The record an ADD (or an inserting UPSERT) creates; null when the log record has no embedding
 * (the gateway never writes one, so it can only be corrupt: it cannot be indexed, so it is skipped).
 */
export function recordFromLog(record: LogRecord): LiveRecord | null {
  if (!record.embedding) return null;
  const metadata = record.metadata ? mergeMetadata(null, record.metadata) : null;
  return withFloatKeys(
    {
      id: record.id,
      embedding: embeddingFromBytes(record.embedding),
      document: record.document ?? null,
      uri: record.uri ?? null,
      metadata,
    },
    record.metadata ? integralFloatKeys(record.metadata) : [],
  );
}

/**
 * `target` with an UPDATE/UPSERT merged in: unset fields are unchanged, metadata merges key by key
 * and a `deleted` value removes its key. Returns a new object: callers may hold `target` in an
 * immutable segment.
 */
export function mergeLogRecord(target: LiveRecord, record: LogRecord): LiveRecord {
  const merged: LiveRecord = {
    id: target.id,
    embedding: record.embedding ? embeddingFromBytes(record.embedding) : target.embedding,
    document: record.document !== undefined ? record.document : target.document,
    uri: record.uri !== undefined ? record.uri : target.uri,
    metadata: record.metadata ? mergeMetadata(target.metadata, record.metadata) : target.metadata,
  };
  if (!record.metadata) return withFloatKeys(merged, target.floatKeys ?? []);
  // A key the update sets (or deletes) takes the update's kind; the others keep theirs.
  const touched = new Set(record.metadata.entries.map((e) => e.key));
  return withFloatKeys(merged, [
    ...(target.floatKeys ?? []).filter((key) => !touched.has(key)),
    ...integralFloatKeys(record.metadata),
  ]);
}

/** `record` with the float keys that its metadata still holds (none: the field is absent). */
function withFloatKeys(record: LiveRecord, keys: readonly string[]): LiveRecord {
  const metadata = record.metadata;
  const live = metadata === null ? [] : keys.filter((key) => Object.hasOwn(metadata, key));
  if (live.length > 0) record.floatKeys = live;
  return record;
}

/**
 * Applies one log record to an insertion-ordered map of live records with Chroma's semantics:
 * add of an existing id is a no-op; update of a missing id is a no-op; upsert inserts or merges;
 * delete removes. A Map keeps a key's position when overwritten and appends a re-added key at the
 * end: exactly Chroma's first-insertion order. Answers whether the record changed the map (what
 * compaction meters as written or deleted: an add of an existing id changes nothing).
 */
export function applyLogRecord(records: Map<string, LiveRecord>, record: LogRecord): boolean {
  const existing = records.get(record.id);
  switch (record.operation) {
    case Operation.ADD:
    case Operation.UPSERT: {
      if (existing) {
        if (record.operation !== Operation.UPSERT) return false;
        records.set(record.id, mergeLogRecord(existing, record));
        return true;
      }
      const created = recordFromLog(record);
      if (!created) return false;
      records.set(record.id, created);
      return true;
    }
    case Operation.UPDATE:
      if (!existing) return false;
      records.set(record.id, mergeLogRecord(existing, record));
      return true;
    case Operation.DELETE:
      return records.delete(record.id);
    case Operation.UNSPECIFIED:
      // The log rejects these; one here is corrupt, and skipping it is the only safe move.
      return false;
  }
}

/** Applies batches in order (see {@link applyLogRecord}). */
export function applyLogBatches(
  records: Map<string, LiveRecord>,
  batches: readonly PositionedBatch[],
): void {
  for (const batch of batches) for (const record of batch.records) applyLogRecord(records, record);
}

// Keys are the user's (`__proto__` included): a prototype-less copy and own-property writes.
function mergeMetadata(
  current: Metadata | null,
  update: NonNullable<LogRecord['metadata']>,
): Metadata | null {
  // `next` has no prototype, so a plain assignment makes an own property for any key, even
  // `__proto__` (no inherited setter to reach): no defineProperty per key on the apply path.
  const next = nullObject<MetadataValue>();
  let keys = 0;
  if (current) {
    for (const key of Object.keys(current)) {
      next[key] = current[key]!;
      keys++;
    }
  }
  const changes = updateMetadataFromProto(update);
  for (const key of Object.keys(changes)) {
    const value = changes[key]!;
    if (value === null) {
      if (Object.hasOwn(next, key)) keys--;
      delete next[key];
    } else {
      if (!Object.hasOwn(next, key)) keys++;
      next[key] = value;
    }
  }
  return keys > 0 ? next : null;
}
