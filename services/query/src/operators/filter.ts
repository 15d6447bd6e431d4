import {
  checkFiltersIndexed,
  matchesFilters,
  parseWhere,
  parseWhereDocument,
  type CollectionSchema,
  type WhereDocumentNode,
  type WhereNode,
} from '@huedb/core';
import type { Filter } from '@huedb/proto/query';
import type { MaterializedRecord } from './record-set.js';

/** A compiled filter: ids, `where` and `where_document`, combined with AND. */
export type RecordPredicate = (record: MaterializedRecord) => boolean;

/**
 * Compiles a request's filter once per request. The JSON was validated by the gateway; parsing
 * again here (microseconds) keeps the node safe from any caller. A filter on an index the
 * collection's schema disabled is refused, as Chroma does. Throws InvalidArgument.
 * Undefined when the request has no filter.
 */
export function compileFilter(
  filter: Filter | undefined,
  schema?: CollectionSchema,
): RecordPredicate | undefined {
  const ids = filter && filter.ids.length > 0 ? new Set(filter.ids) : undefined;
  const where: WhereNode | undefined = filter?.whereJson
    ? parseWhere(JSON.parse(filter.whereJson))
    : undefined;
  const whereDocument: WhereDocumentNode | undefined = filter?.whereDocumentJson
    ? parseWhereDocument(JSON.parse(filter.whereDocumentJson))
    : undefined;
  if (schema) checkFiltersIndexed(schema, where, whereDocument);
  if (!ids && !where && !whereDocument) return undefined;
  return (record) =>
    (!ids || ids.has(record.id)) &&
    matchesFilters(where, whereDocument, record.metadata, record.document);
}
