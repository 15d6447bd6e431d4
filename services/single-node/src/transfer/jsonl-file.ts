import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { CollectionSpec, RecordBatch } from './chroma-endpoint.js';
import { parseKeepingFloats, parseObjectKeepingFloats } from './float-json.js';
import {
  COLLECTION_FILE_FORMAT,
  emptyBatch,
  type FileHeader,
  type RecordFileReader,
  type RecordFileWriter,
} from './record-file.js';
import { TransferError } from './transfer-error.js';

/**
 * A collection as JSON Lines: a header line, then one line per record.
 *
 *   {"format":"huedb-collection/1","collection":{"name":…,"metadata":…,"configuration_json":…,"schema":…},"count":N}
 *   {"id":"a","document":"…","metadata":{"k":1.0},"embedding":[0.1,…],"uri":null}
 *
 * Metadata floats keep their text (`1.0` stays a float); embeddings are the server's float32
 * values. A file without the header line (records only) imports too, given a collection name.
 */

interface HeaderLine {
  format: string;
  collection: CollectionSpec;
  count?: number;
}

interface RecordLine {
  id: string;
  document?: string | null;
  metadata?: Record<string, unknown> | null;
  embedding?: number[] | null;
  uri?: string | null;
}

export class JsonlWriter implements RecordFileWriter {
  private constructor(private readonly file: FileHandle) {}

  static async create(path: string, header: FileHeader): Promise<JsonlWriter> {
    const file = await open(path, 'w');
    const line: HeaderLine = {
      format: COLLECTION_FILE_FORMAT,
      collection: header.collection,
      count: header.count,
    };
    await file.write(`${jsonLine(line)}\n`);
    return new JsonlWriter(file);
  }

  async write(batch: RecordBatch): Promise<void> {
    let text = '';
    for (let i = 0; i < batch.ids.length; i++) {
      const line: RecordLine = {
        id: batch.ids[i]!,
        document: batch.documents[i] ?? null,
        metadata: batch.metadatas[i] ?? null,
        embedding: batch.embeddings[i] ?? null,
        uri: batch.uris[i] ?? null,
      };
      text += `${jsonLine(line)}\n`;
    }
    await this.file.write(text);
  }

  async close(): Promise<void> {
    await this.file.sync();
    await this.file.close();
  }
}

export class JsonlReader implements RecordFileReader {
  private constructor(
    readonly header: FileHeader | undefined,
    private readonly path: string,
    /** 1 when the first line is the header (record lines start after it). */
    private readonly skip: number,
  ) {}

  static async open(path: string): Promise<JsonlReader> {
    const first = await firstLine(path);
    if (first === undefined) throw new TransferError(`${path} is empty`);
    // The whole line keeping floats: the header's collection metadata is nested deeper.
    const parsed = parseLine(first, path, 1, true);
    if ('format' in parsed && 'collection' in parsed) {
      const header = parsed as unknown as HeaderLine;
      if (header.format !== COLLECTION_FILE_FORMAT) {
        throw new TransferError(
          `${path} is in format ${header.format}; this huedb reads ${COLLECTION_FILE_FORMAT}`,
        );
      }
      return new JsonlReader({ collection: header.collection, count: header.count }, path, 1);
    }
    return new JsonlReader(undefined, path, 0);
  }

  async *batches(size: number): AsyncGenerator<RecordBatch> {
    let batch = emptyBatch();
    let number = 0;
    for await (const line of readLines(this.path)) {
      number++;
      if (number <= this.skip || line.trim() === '') continue;
      const record = parseLine(line, this.path, number) as unknown as RecordLine;
      if (typeof record.id !== 'string') {
        throw new TransferError(`${this.path} line ${number}: a record needs a string "id"`);
      }
      batch.ids.push(record.id);
      batch.documents.push(record.document ?? null);
      batch.metadatas.push(record.metadata ?? null);
      batch.embeddings.push(record.embedding ?? null);
      batch.uris.push(record.uri ?? null);
      if (batch.ids.length >= size) {
        yield batch;
        batch = emptyBatch();
      }
    }
    if (batch.ids.length > 0) yield batch;
  }
}

function parseLine(
  line: string,
  path: string,
  number: number,
  whole = false,
): Record<string, unknown> {
  try {
    if (!whole) return parseObjectKeepingFloats(line, ['metadata']);
    const value = parseKeepingFloats(line);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new SyntaxError('expected a JSON object');
    }
    return value as Record<string, unknown>;
  } catch (err) {
    throw new TransferError(
      `${path} line ${number} is not a JSON object: ${(err as Error).message}`,
    );
  }
}

async function firstLine(path: string): Promise<string | undefined> {
  for await (const line of readLines(path)) return line;
  return undefined;
}

/**
 * A file's lines, split at `\n` only (and a `\r` before it dropped): readline would also split at
 * U+2028 and U+2029, which JSON.stringify leaves raw inside strings (a file made elsewhere may
 * carry them so).
 */
async function* readLines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
  } catch (err) {
    throw new TransferError(`cannot read ${path}: ${(err as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (rest !== '') yield rest;
}

/**
 * One record or header as a line. U+2028 and U+2029 are escaped: JSON allows them raw, but
 * Python's and Node's line splitters break lines there.
 */
function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}
