import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Include, RecordSchema } from '@huedb/proto/query';
import { embeddingToBytes, metadataToProto } from '@huedb/core';
import type { MaterializedRecord } from './record-set.js';

/** Keeps only the requested fields of a record (and its distance, for queries). */
export function project(
  record: MaterializedRecord,
  include: Include | undefined,
  distance?: number,
): MessageInitShape<typeof RecordSchema> {
  return {
    id: record.id,
    embedding: include?.embeddings ? embeddingToBytes(record.embedding) : undefined,
    document: include?.documents ? (record.document ?? undefined) : undefined,
    uri: include?.uris ? (record.uri ?? undefined) : undefined,
    metadata:
      include?.metadatas && record.metadata
        ? metadataToProto(record.metadata, record.floatKeys)
        : undefined,
    distance: include?.distances ? distance : undefined,
  };
}
