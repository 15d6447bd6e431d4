import { rename, rm } from 'node:fs/promises';
import type { ChromaEndpoint } from './chroma-endpoint.js';
import {
  checkCount,
  openTarget,
  rateText,
  readPages,
  specOf,
  writeBatchSize,
  type IfExists,
} from './collection-io.js';
import { JsonlReader, JsonlWriter } from './jsonl-file.js';
import { ParquetFileReader, ParquetFileWriter } from './parquet-file.js';
import type { ProgressReporter } from './progress.js';
import type { FileFormat, FileHeader, RecordFileReader, RecordFileWriter } from './record-file.js';
import { TransferError } from './transfer-error.js';

/**
 * `huedb export` (a collection → a file) and `huedb import` (a file → a collection). An export
 * writes `<file>.partial` and renames it when complete, so a file under the asked name is always
 * whole; an import upserts, so running it again after a failure is harmless.
 */

export interface ExportOptions {
  source: ChromaEndpoint;
  collection: string;
  path: string;
  format: FileFormat;
  batchSize: number;
  progress: ProgressReporter;
}

export interface ImportOptions {
  target: ChromaEndpoint;
  path: string;
  format: FileFormat;
  /** The collection to import into; default: the one the file names. */
  collection?: string;
  batchSize: number;
  ifExists: IfExists;
  progress: ProgressReporter;
}

export interface TransferResult {
  collection: string;
  records: number;
  ms: number;
  summary: string;
}

export async function exportCollection(options: ExportOptions): Promise<TransferResult> {
  const { source, path } = options;
  const collection = await source.getCollection(options.collection);
  if (!collection) {
    throw new TransferError(`the ${source.label} has no collection "${options.collection}"`);
  }
  const total = await source.count(collection.id);
  const partial = `${path}.partial`;
  const header: FileHeader = { collection: specOf(collection), count: total };
  const task = options.progress.task(collection.name, total);
  const started = performance.now();
  let records = 0;
  try {
    const file = await createFile(partial, options.format, header);
    for await (const batch of readPages(source, collection.id, 0, options.batchSize)) {
      await file.write(batch);
      records += batch.ids.length;
      task.advance(batch.ids.length);
    }
    await file.close();
    task.done();
    if (records !== total) {
      throw new TransferError(
        `"${collection.name}" had ${total} records when the export began and ${records} were read: it changed during the export; export it again`,
      );
    }
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    options.progress.close();
  }
  const ms = performance.now() - started;
  const summary = `exported "${collection.name}" to ${path}: ${rateText(records, ms)}`;
  return { collection: collection.name, records, ms, summary };
}

export async function importCollection(options: ImportOptions): Promise<TransferResult> {
  const { target, path } = options;
  const file = await openFile(path, options.format);
  const name = options.collection ?? file.header?.collection.name;
  if (!name) {
    throw new TransferError(`${path} names no collection: pass --collection to say which`);
  }
  const spec = file.header
    ? { ...file.header.collection, name }
    : { name, metadata: null, configuration_json: null };
  const limits = await target.writeLimits();
  await target.ensureDatabase();
  const { collection, created } = await openTarget(target, spec, options.ifExists);
  const task = options.progress.task(name, file.header?.count ?? 0);
  const started = performance.now();
  let records = 0;
  try {
    const size = writeBatchSize(options.batchSize, limits.maxBatchSize);
    for await (const batch of file.batches(size)) {
      await target.upsert(collection.id, batch, limits);
      records += batch.ids.length;
      task.advance(batch.ids.length);
    }
    task.done();
  } finally {
    options.progress.close();
  }
  const ms = performance.now() - started;
  const expected = file.header?.count;
  if (expected !== undefined && records !== expected) {
    throw new TransferError(
      `${path} says it holds ${expected} records but has ${records}: it is truncated or was edited`,
    );
  }
  if (created) await checkCount(target, collection, records);
  const summary = `imported ${path} into "${name}": ${rateText(records, ms)}`;
  return { collection: name, records, ms, summary };
}

function createFile(
  path: string,
  format: FileFormat,
  header: FileHeader,
): Promise<RecordFileWriter> {
  return format === 'parquet'
    ? ParquetFileWriter.create(path, header)
    : JsonlWriter.create(path, header);
}

async function openFile(path: string, format: FileFormat): Promise<RecordFileReader> {
  return format === 'parquet' ? ParquetFileReader.open(path) : JsonlReader.open(path);
}
