import type { Record as QueryRecord } from '@huedb/proto/query';
import { embeddingFromBytes, metadataFromProto } from '@huedb/core';
import type { IncludeValue } from '../http/schemas.js';
import { float32ForJson, vectorForJson } from './float-format.js';

/** Which fields a read returns, from Chroma's `include` list. */
export interface IncludeFlags {
  embeddings: boolean;
  documents: boolean;
  metadatas: boolean;
  uris: boolean;
  distances: boolean;
}

export function includeFlags(include: readonly IncludeValue[]): IncludeFlags {
  return {
    embeddings: include.includes('embeddings'),
    documents: include.includes('documents'),
    metadatas: include.includes('metadatas'),
    uris: include.includes('uris'),
    distances: include.includes('distances'),
  };
}

/** Chroma's GET response: one array per field; a field not included is null. */
export interface GetResultJson {
  ids: string[];
  embeddings: number[][] | null;
  documents: (string | null)[] | null;
  uris: (string | null)[] | null;
  metadatas: (Record<string, unknown> | null)[] | null;
  include: IncludeValue[];
}

/** Chroma's QUERY response: like GET, nested one level per query vector, plus distances. */
export interface QueryResultJson {
  ids: string[][];
  embeddings: number[][][] | null;
  documents: (string | null)[][] | null;
  uris: (string | null)[][] | null;
  metadatas: (Record<string, unknown> | null)[][] | null;
  distances: number[][] | null;
  include: IncludeValue[];
}

export function toGetResult(records: QueryRecord[], include: IncludeValue[]): GetResultJson {
  const flags = includeFlags(include);
  return {
    ids: records.map((r) => r.id),
    embeddings: flags.embeddings ? records.map(embeddingJson) : null,
    documents: flags.documents ? records.map((r) => r.document ?? null) : null,
    uris: flags.uris ? records.map((r) => r.uri ?? null) : null,
    metadatas: flags.metadatas ? records.map(metadataJson) : null,
    include,
  };
}

export function toQueryResult(results: QueryRecord[][], include: IncludeValue[]): QueryResultJson {
  const flags = includeFlags(include);
  const each = <T>(f: (r: QueryRecord) => T) => results.map((records) => records.map(f));
  return {
    ids: each((r) => r.id),
    embeddings: flags.embeddings ? each(embeddingJson) : null,
    documents: flags.documents ? each((r) => r.document ?? null) : null,
    uris: flags.uris ? each((r) => r.uri ?? null) : null,
    metadatas: flags.metadatas ? each(metadataJson) : null,
    distances: flags.distances ? each((r) => float32ForJson(r.distance ?? 0)) : null,
    include,
  };
}

function embeddingJson(record: QueryRecord): number[] {
  return record.embedding ? vectorForJson(embeddingFromBytes(record.embedding)) : [];
}

/**
 * A record with no metadata (or an empty one) reads back as null, as in Chroma — except when it
 * has a URI: Chroma keeps the URI among the metadata, so such a record reads back `{}`.
 */
function metadataJson(record: QueryRecord): Record<string, unknown> | null {
  const metadata = record.metadata ? metadataFromProto(record.metadata) : null;
  if (metadata && Object.keys(metadata).length > 0) return metadata;
  return record.uri != null ? {} : null;
}
