import type {
  ChromaEndpoint,
  CollectionInfo,
  CollectionSpec,
  RecordBatch,
} from './chroma-endpoint.js';
import { TransferError } from './transfer-error.js';

/** What to do with a target collection that exists already (and is not this copy's own). */
export type IfExists = 'fail' | 'upsert';

/**
 * The source's records from `start` on, a page at a time, the next page read while the caller
 * writes this one (reading and writing are the two halves of a transfer's time).
 */
export async function* readPages(
  source: ChromaEndpoint,
  collectionId: string,
  start: number,
  size: number,
): AsyncGenerator<RecordBatch> {
  const fetchPage = (offset: number) => {
    const page = source.getPage(collectionId, offset, size);
    // Awaited below; until then a failure must not count as unhandled (the caller may stop first).
    page.catch(() => {});
    return page;
  };
  let offset = start;
  let next = fetchPage(offset);
  for (;;) {
    const batch = await next;
    const full = batch.ids.length >= size;
    if (full) next = fetchPage(offset + size);
    if (batch.ids.length > 0) yield batch;
    if (!full) return;
    offset += size;
  }
}

/**
 * The target collection for `spec`: made with the spec's metadata and settings, or an existing
 * one when `ifExists` is `upsert`. `created` says which, so the count check knows what to expect.
 */
export async function openTarget(
  target: ChromaEndpoint,
  spec: CollectionSpec,
  ifExists: IfExists,
): Promise<{ collection: CollectionInfo; created: boolean }> {
  const existing = await target.getCollection(spec.name);
  if (existing) {
    if (ifExists === 'upsert') return { collection: existing, created: false };
    throw new TransferError(
      `the ${target.label} has a collection "${spec.name}" already: delete it, or pass --if-exists upsert to write into it`,
    );
  }
  return { collection: await target.createCollection(spec), created: true };
}

/** A batch size the target takes: the one asked for, at most the server's max_batch_size. */
export function writeBatchSize(asked: number, maxBatchSize: number): number {
  return Math.max(1, Math.min(asked, maxBatchSize));
}

/**
 * After a transfer into a collection it made: the target must hold every record written, or
 * something dropped them (or the source changed under an offset-paged read).
 */
export async function checkCount(
  target: ChromaEndpoint,
  collection: CollectionInfo,
  written: number,
): Promise<void> {
  const count = await target.count(collection.id);
  if (count !== written) {
    throw new TransferError(
      `"${collection.name}": ${written} records were written to the ${target.label} but it holds ${count} (did the source change during the transfer? run it again into a new collection)`,
    );
  }
}

/** `12,345 records in 3.2 s (3,858 records/s)`. */
export function rateText(records: number, ms: number): string {
  const seconds = ms / 1000;
  const rate = seconds > 0 ? Math.round(records / seconds) : records;
  return `${records.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} records/s)`;
}

/** The spec another collection is made from: the source's name, metadata and settings. */
export function specOf(collection: CollectionInfo, name = collection.name): CollectionSpec {
  return {
    name,
    metadata: collection.metadata,
    configuration_json: collection.configuration_json,
    schema: collection.schema,
  };
}
