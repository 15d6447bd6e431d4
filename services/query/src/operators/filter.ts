import {
  checkFiltersIndexed,
  matchesFilters,
  parseWhere,
  parseWhereDocument,
  regexOf,
  regexPredicates,
  type ChromaRegexScan,
  type CollectionSchema,
  type DocumentNode,
  type WhereDocumentNode,
  type WhereNode,
} from '@huedb/core';
import type { Filter } from '@huedb/proto/query';
import type { MaterializedRecord } from './record-set.js';

/**
 * A compiled filter: ids, `where` and `where_document`, combined with AND.
 *
 * `test` answers at once; `matches` is for scans over many records: it runs the filter's regexes
 * in slices and yields to the event loop whenever the request has had the loop for
 * {@link SLICE_MS}, so a scan of 100k documents (or one huge document with a large pattern) never
 * holds up other requests — heartbeats, writes, other queries — for longer than a slice.
 */
export interface RecordFilter {
  test(record: MaterializedRecord): boolean;
  matches(record: MaterializedRecord): boolean | Promise<boolean>;
}

/** How long one request may hold the event loop before letting others run. */
export const SLICE_MS = 10;

/**
 * Yields to the event loop once the current slice is used up. One per request: the clock
 * starts when the request starts evaluating.
 */
export class Slicer {
  /** When the current slice ends (`performance.now()` time). */
  deadline = performance.now() + SLICE_MS;

  /** Whether the slice is used up (cheap: call it often). */
  due(): boolean {
    return performance.now() >= this.deadline;
  }

  /** Lets queued work (I/O callbacks, timers) run, then starts a new slice. */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.deadline = performance.now() + SLICE_MS;
  }
}

/**
 * Compiles a request's filter once per request. The JSON was validated by the gateway; parsing
 * again here (microseconds; compiled regexes are cached) keeps the node safe from any caller. A
 * filter on an index the collection's schema disabled is refused, as Chroma does.
 * Throws InvalidArgument. Undefined when the request has no filter at all.
 * @param filter - the request's filter
 * @param slicer - the request's slicer, shared by every scan of the request
 * @param schema - the collection's schema, when its disabled indexes must be enforced
 */
export function compileFilter(
  filter: Filter | undefined,
  slicer: Slicer = new Slicer(),
  schema?: CollectionSchema,
): RecordFilter | undefined {
  // An id list that is present but empty admits nothing (Chroma's `ids: []`); only an absent one
  // means "any id".
  const ids = filter?.ids ? new Set(filter.ids.ids) : undefined;
  const where: WhereNode | undefined = filter?.whereJson
    ? parseWhere(JSON.parse(filter.whereJson))
    : undefined;
  const whereDocument: WhereDocumentNode | undefined = filter?.whereDocumentJson
    ? parseWhereDocument(JSON.parse(filter.whereDocumentJson))
    : undefined;
  if (schema) checkFiltersIndexed(schema, where, whereDocument);
  if (!ids && !where && !whereDocument) return undefined;
  const regexes = regexPredicates(where, whereDocument);
  const test = (record: MaterializedRecord, results?: Map<DocumentNode, boolean>) =>
    (!ids || ids.has(record.id)) &&
    matchesFilters(where, whereDocument, record.metadata, record.document, results);

  // Scans run synchronously while they fit in the slice (almost always); only a scan that does
  // not goes on in later slices.
  const finish = async (
    record: MaterializedRecord,
    results: Map<DocumentNode, boolean>,
    from: number,
    pending: ChromaRegexScan,
  ): Promise<boolean> => {
    let scan: ChromaRegexScan = pending;
    for (let i = from; i < regexes.length; i++) {
      if (i > from) scan = regexOf(regexes[i]!).scan(record.document!);
      while (!scan.run(slicer.deadline)) await slicer.yield();
      results.set(regexes[i]!, scan.matched);
    }
    return test(record, results);
  };

  return {
    test: (record) => test(record),
    matches: (record) => {
      if (regexes.length === 0 || record.document === null || (ids && !ids.has(record.id))) {
        return test(record);
      }
      const results = new Map<DocumentNode, boolean>();
      for (let i = 0; i < regexes.length; i++) {
        const scan = regexOf(regexes[i]!).scan(record.document);
        if (!scan.run(slicer.deadline)) return finish(record, results, i, scan);
        results.set(regexes[i]!, scan.matched);
      }
      return test(record, results);
    },
  };
}
