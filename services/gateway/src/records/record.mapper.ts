import type { MetadataValue, Metadata } from '@huedb/proto/common';
import type { Record as QueryRecord } from '@huedb/proto/query';
import { embeddingFromBytes } from '@huedb/core';
import type { IncludeValue } from '../http/schemas.js';
import { RawJson } from '../http/raw-json.js';
import { formatFloat } from './float-format.js';

/**
 * Query-node records → Chroma's GET and QUERY response bodies, written as JSON text so that floats
 * look as Chroma writes them (`1.0`, `0.0`, `1e-7`: see float-format.ts) — embeddings and
 * distances as float32, float metadata as float64, integer metadata as integers. Field order and
 * shapes are Chroma's: one array per field, a field not included is `null`, a record without
 * metadata (or with an empty one) has `null`; QUERY nests one level per query vector and adds
 * `distances`.
 */

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

/** Chroma's GET response body. */
export function getResultJson(records: QueryRecord[], include: IncludeValue[]): RawJson {
  const flags = includeFlags(include);
  const list = (f: (r: QueryRecord) => string) => `[${records.map(f).join(',')}]`;
  return object([
    ['ids', list(idJson)],
    ['embeddings', flags.embeddings ? list(embeddingJson) : 'null'],
    ['documents', flags.documents ? list((r) => stringJson(r.document)) : 'null'],
    ['uris', flags.uris ? list((r) => stringJson(r.uri)) : 'null'],
    ['metadatas', flags.metadatas ? list(metadataJson) : 'null'],
    ['include', JSON.stringify(include)],
  ]);
}

/** Chroma's QUERY response body: one list per query vector. */
export function queryResultJson(results: QueryRecord[][], include: IncludeValue[]): RawJson {
  const flags = includeFlags(include);
  const each = (f: (r: QueryRecord) => string) =>
    `[${results.map((records) => `[${records.map(f).join(',')}]`).join(',')}]`;
  return object([
    ['ids', each(idJson)],
    ['embeddings', flags.embeddings ? each(embeddingJson) : 'null'],
    ['documents', flags.documents ? each((r) => stringJson(r.document)) : 'null'],
    ['uris', flags.uris ? each((r) => stringJson(r.uri)) : 'null'],
    ['metadatas', flags.metadatas ? each(metadataJson) : 'null'],
    ['distances', flags.distances ? each((r) => formatFloat(r.distance ?? 0, 'f32')) : 'null'],
    ['include', JSON.stringify(include)],
  ]);
}

function object(fields: [string, string][]): RawJson {
  return new RawJson(`{${fields.map(([key, value]) => `"${key}":${value}`).join(',')}}`);
}

function idJson(record: QueryRecord): string {
  return JSON.stringify(record.id);
}

function stringJson(value: string | undefined): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function embeddingJson(record: QueryRecord): string {
  if (!record.embedding) return '[]';
  const vector = embeddingFromBytes(record.embedding);
  const out = new Array<string>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = formatFloat(vector[i]!, 'f32');
  return `[${out.join(',')}]`;
}

/**
 * A record with no metadata (or an empty one) reads back as null, as in Chroma — except when it
 * has a URI: Chroma keeps the URI among the metadata, so such a record reads back `{}`.
 */
function metadataJson(record: QueryRecord): string {
  const entries = record.metadata?.entries ?? [];
  if (entries.length === 0) return record.uri != null ? '{}' : 'null';
  return `{${metadataEntriesJson(record.metadata!)}}`;
}

function metadataEntriesJson(metadata: Metadata): string {
  // A repeated key (never written by HueDB) resolves as a decoded map would: the last wins.
  const values = new Map<string, MetadataValue | undefined>();
  for (const { key, value } of metadata.entries) values.set(key, value);
  return [...values].map(([key, value]) => `${JSON.stringify(key)}:${valueJson(value)}`).join(',');
}

function valueJson(value: MetadataValue | undefined): string {
  const kind = value?.kind;
  switch (kind?.case) {
    case 'stringValue':
      return JSON.stringify(kind.value);
    case 'boolValue':
      return kind.value ? 'true' : 'false';
    case 'intValue':
      return kind.value.toString();
    case 'floatValue':
      return formatFloat(noNegativeZero(kind.value), 'f64');
    case 'stringList':
      return JSON.stringify(kind.value.values);
    case 'boolList':
      return JSON.stringify(kind.value.values);
    case 'intList':
      return `[${kind.value.values.map((v) => v.toString()).join(',')}]`;
    case 'floatList':
      return `[${kind.value.values.map((v) => formatFloat(noNegativeZero(v), 'f64')).join(',')}]`;
    case 'deleted':
    case undefined:
      // Stored metadata never holds these; answering null beats failing the whole read.
      return 'null';
  }
}

/** Chroma returns a metadata -0.0 as 0.0 (embeddings keep the sign). */
function noNegativeZero(value: number): number {
  return value === 0 ? 0 : value;
}
