import type { CollectionSpec, RecordBatch } from './chroma-endpoint.js';
import { TransferError } from './transfer-error.js';

/** The files `huedb export` writes and `huedb import` reads: JSON Lines or Apache Parquet. */
export type FileFormat = 'jsonl' | 'parquet';

/** The version both formats carry (the JSONL header's `format`, Parquet's `huedb.format`). */
export const COLLECTION_FILE_FORMAT = 'huedb-collection/1';

/** What a file says about its collection. */
export interface FileHeader {
  collection: CollectionSpec;
  /** Records in the file (JSONL: as counted when the export began). */
  count: number | undefined;
}

export interface RecordFileWriter {
  write(batch: RecordBatch): Promise<void>;
  /** Completes the file (Parquet's footer) and makes it durable. */
  close(): Promise<void>;
}

export interface RecordFileReader {
  /** Undefined for a file made elsewhere without one (records only). */
  readonly header: FileHeader | undefined;
  batches(size: number): AsyncGenerator<RecordBatch>;
}

/** The format a file name says (`.jsonl`, `.ndjson`, `.parquet`), or undefined. */
export function formatOfPath(path: string): FileFormat | undefined {
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  return undefined;
}

export function resolveFormat(path: string, asked: FileFormat | undefined): FileFormat {
  const format = asked ?? formatOfPath(path);
  if (!format) {
    throw new TransferError(
      `cannot tell the format of ${path} from its name: pass --format jsonl or --format parquet`,
    );
  }
  return format;
}

export function emptyBatch(): RecordBatch {
  return { ids: [], embeddings: [], documents: [], metadatas: [], uris: [] };
}
