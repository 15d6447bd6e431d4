import {
  matchesFilters,
  parseWhere,
  parseWhereDocument,
  type WhereDocumentNode,
  type WhereNode,
} from '@huedb/core';
import type { Filter } from '@huedb/proto/query';
import type { MaterializedRecord } from './record-set.js';

/** A compiled filter: ids, `where` and `where_document`, combined with AND. */
export type RecordPredicate = (record: MaterializedRecord) => boolean;

/**
 * Compiles a request's filter once per request. The JSON was validated by the gateway; parsing
 * again here (microseconds) keeps the node safe from any caller. Throws InvalidArgument.
 * Undefined when the request has no filter at all.
 */
export function compileFilter(filter: Filter | undefined): RecordPredicate | undefined {
  // An id list that is present but empty admits nothing (Chroma's `ids: []`); only an absent one
  // means "any id".
  const ids = filter?.ids ? new Set(filter.ids.ids) : undefined;
  const where: WhereNode | undefined = filter?.whereJson
    ? parseWhere(JSON.parse(filter.whereJson))
    : undefined;
  const whereDocument: WhereDocumentNode | undefined = filter?.whereDocumentJson
    ? parseWhereDocument(JSON.parse(filter.whereDocumentJson))
    : undefined;
  if (!ids && !where && !whereDocument) return undefined;
  return (record) =>
    (!ids || ids.has(record.id)) &&
    matchesFilters(where, whereDocument, record.metadata, record.document);
}
