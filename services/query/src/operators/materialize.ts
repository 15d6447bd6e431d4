import { Operation, type LogRecord, type PositionedBatch } from '@huedb/proto/log';
import { embeddingFromBytes, updateMetadataFromProto, type Metadata } from '@huedb/core';
import type { MaterializedRecord, RecordSet } from './record-set.js';

/**
 * Applies log batches to a record set, in order, with Chroma's semantics:
 * add of an existing id is a no-op; update of a missing id is a no-op; upsert inserts or merges;
 * delete removes; in update/upsert an unset field is unchanged and a metadata value marked
 * `deleted` removes that key. Returns the change in the set's estimated bytes.
 */
export function applyBatches(records: RecordSet, batches: readonly PositionedBatch[]): void {
  for (const batch of batches) {
    for (const record of batch.records) applyRecord(records, record);
  }
}

export function applyRecord(records: RecordSet, record: LogRecord): void {
  const existing = records.get(record.id);
  switch (record.operation) {
    case Operation.ADD:
      if (!existing) insert(records, record);
      return;
    case Operation.UPSERT:
      if (existing) merge(existing, record);
      else insert(records, record);
      return;
    case Operation.UPDATE:
      if (existing) merge(existing, record);
      return;
    case Operation.DELETE:
      records.delete(record.id);
      return;
    case Operation.UNSPECIFIED:
      // The log rejects these; one here is a corrupt record, and skipping it is the only safe move.
      return;
  }
}

function insert(records: RecordSet, record: LogRecord): void {
  // The gateway guarantees an embedding for inserts; a record without one cannot be indexed.
  if (!record.embedding) return;
  records.set(record.id, {
    id: record.id,
    embedding: embeddingFromBytes(record.embedding),
    document: record.document ?? null,
    uri: record.uri ?? null,
    metadata: record.metadata ? mergeMetadata(null, record.metadata) : null,
  });
}

function merge(target: MaterializedRecord, record: LogRecord): void {
  if (record.embedding) target.embedding = embeddingFromBytes(record.embedding);
  if (record.document !== undefined) target.document = record.document;
  if (record.uri !== undefined) target.uri = record.uri;
  if (record.metadata) target.metadata = mergeMetadata(target.metadata, record.metadata);
}

function mergeMetadata(
  current: Metadata | null,
  update: NonNullable<LogRecord['metadata']>,
): Metadata | null {
  const next: Metadata = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(updateMetadataFromProto(update))) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return Object.keys(next).length > 0 ? next : null;
}
