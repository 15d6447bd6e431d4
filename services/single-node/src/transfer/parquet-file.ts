import { open, type FileHandle } from 'node:fs/promises';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
  type SchemaElement,
} from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { CollectionSpec, RecordBatch } from './chroma-endpoint.js';
import { parseKeepingFloats } from './float-json.js';
import {
  COLLECTION_FILE_FORMAT,
  emptyBatch,
  type FileHeader,
  type RecordFileReader,
  type RecordFileWriter,
} from './record-file.js';
import { TransferError } from './transfer-error.js';

/**
 * A collection as Apache Parquet (hyparquet-writer; read back with hyparquet), one row per record:
 *
 *   id        string, required
 *   document  string
 *   metadata  JSON (logical type JSON: the metadata's JSON text, floats as `1.0`)
 *   embedding list<float>   (float32: exactly the stored values)
 *   uri       string
 *
 * The collection (name, metadata, configuration_json, schema) is the file's key-value metadata
 * `huedb.collection`, as JSON. pyarrow reads such a file as `id: string, document: string,
 * metadata: extension<arrow.json>, embedding: list<element: float>, uri: string`.
 */

const COLLECTION_KEY = 'huedb.collection';
const FORMAT_KEY = 'huedb.format';

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 5 },
  { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'document', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  // Logical type only: hyparquet-writer would JSON.stringify values under converted_type JSON,
  // losing `1.0`; the bytes written are the float-keeping JSON text.
  {
    name: 'metadata',
    type: 'BYTE_ARRAY',
    logical_type: { type: 'JSON' },
    repetition_type: 'OPTIONAL',
  },
  { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
  { name: 'uri', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
];

/** Floats per row group: bounds the memory a group takes while it is built and read. */
const GROUP_FLOATS = 2_000_000;
const MAX_GROUP_ROWS = 10_000;
/** Rows a reader decodes at once. */
const READ_WINDOW = 10_000;

/** What ParquetWriter writes to: hyparquet-writer's Writer (not exported by name). */
type ParquetSink = ConstructorParameters<typeof ParquetWriter>[0]['writer'];

/**
 * A ByteWriter that hands each encoded row group (ParquetWriter flushes after each) to the file,
 * in order, so memory holds one row group at a time.
 */
function fileSink(file: FileHandle): ParquetSink {
  const sink = new ByteWriter(1 << 20);
  let writing: Promise<unknown> = Promise.resolve();
  const flush = (): Promise<void> => {
    // A copy: the encoder reuses its buffer from index 0 as soon as this returns.
    const bytes = new Uint8Array(sink.buffer, 0, sink.index).slice();
    sink.index = 0;
    writing = writing.then(() => file.write(bytes));
    return writing.then(() => {});
  };
  return Object.assign(sink, { flush, finish: flush });
}

export class ParquetFileWriter implements RecordFileWriter {
  private pending = emptyBatch();
  private groupRows = MAX_GROUP_ROWS;

  private constructor(
    private readonly file: FileHandle,
    private readonly writer: ParquetWriter,
  ) {}

  static async create(path: string, header: FileHeader): Promise<ParquetFileWriter> {
    const file = await open(path, 'w');
    const writer = new ParquetWriter({
      writer: fileSink(file),
      schema: SCHEMA,
      kvMetadata: [
        { key: FORMAT_KEY, value: COLLECTION_FILE_FORMAT },
        { key: COLLECTION_KEY, value: JSON.stringify(header.collection) },
      ],
      createdBy: 'huedb export (hyparquet-writer 0.17.0)',
    });
    return new ParquetFileWriter(file, writer);
  }

  async write(batch: RecordBatch): Promise<void> {
    const dimension = batch.embeddings.find((e) => e !== null)?.length;
    if (dimension) {
      this.groupRows = Math.max(
        100,
        Math.min(MAX_GROUP_ROWS, Math.floor(GROUP_FLOATS / dimension)),
      );
    }
    for (const key of ['ids', 'embeddings', 'documents', 'metadatas', 'uris'] as const) {
      (this.pending[key] as unknown[]).push(...batch[key]);
    }
    while (this.pending.ids.length >= this.groupRows) await this.writeGroup(this.groupRows);
  }

  async close(): Promise<void> {
    if (this.pending.ids.length > 0) await this.writeGroup(this.pending.ids.length);
    await this.writer.finish();
    await this.file.sync();
    await this.file.close();
  }

  private async writeGroup(rows: number): Promise<void> {
    const take = <T>(values: T[]) => values.splice(0, rows);
    const encoder = new TextEncoder();
    const metadatas = take(this.pending.metadatas).map((m) =>
      m === null ? null : encoder.encode(JSON.stringify(m)),
    );
    await this.writer.write({
      columnData: [
        { name: 'id', data: take(this.pending.ids) },
        { name: 'document', data: take(this.pending.documents) },
        // Whole metadata texts as min/max statistics would only bloat the footer.
        { name: 'metadata', data: metadatas, statistics: false },
        { name: 'embedding', data: take(this.pending.embeddings) },
        { name: 'uri', data: take(this.pending.uris) },
      ],
      rowGroupSize: rows,
    });
  }
}

export class ParquetFileReader implements RecordFileReader {
  private constructor(
    readonly header: FileHeader | undefined,
    private readonly path: string,
    private readonly file: AsyncBuffer,
    private readonly metadata: FileMetaData,
    private readonly columns: Set<string>,
  ) {}

  static async open(path: string): Promise<ParquetFileReader> {
    let file: AsyncBuffer;
    let metadata: FileMetaData;
    try {
      file = await asyncBufferFromFile(path);
      metadata = await parquetMetadataAsync(file);
    } catch (err) {
      throw new TransferError(`cannot read ${path} as Parquet: ${(err as Error).message}`);
    }
    const columns = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
    for (const required of ['id', 'embedding']) {
      if (!columns.has(required)) {
        throw new TransferError(`${path} has no "${required}" column`);
      }
    }
    const kv = new Map((metadata.key_value_metadata ?? []).map((e) => [e.key, e.value]));
    const spec = kv.get(COLLECTION_KEY);
    const header = spec
      ? { collection: parseKeepingFloats(spec) as CollectionSpec, count: Number(metadata.num_rows) }
      : undefined;
    return new ParquetFileReader(header, path, file, metadata, columns);
  }

  /** Rows in the file (the footer says). */
  get rows(): number {
    return Number(this.metadata.num_rows);
  }

  async *batches(size: number): AsyncGenerator<RecordBatch> {
    const columns = ['id', 'document', 'metadata', 'embedding', 'uri'].filter((c) =>
      this.columns.has(c),
    );
    const decoder = new TextDecoder();
    let batch = emptyBatch();
    for (let start = 0; start < this.rows; start += READ_WINDOW) {
      const rows = await parquetReadObjects({
        file: this.file,
        metadata: this.metadata,
        columns,
        rowStart: start,
        rowEnd: Math.min(start + READ_WINDOW, this.rows),
      });
      for (const row of rows) {
        if (typeof row.id !== 'string') {
          throw new TransferError(`${this.path}: a row has no string id`);
        }
        batch.ids.push(row.id);
        batch.documents.push(typeof row.document === 'string' ? row.document : null);
        batch.metadatas.push(metadataOf(row.metadata, decoder));
        batch.embeddings.push(Array.isArray(row.embedding) ? (row.embedding as number[]) : null);
        batch.uris.push(typeof row.uri === 'string' ? row.uri : null);
        if (batch.ids.length >= size) {
          yield batch;
          batch = emptyBatch();
        }
      }
    }
    if (batch.ids.length > 0) yield batch;
  }
}

/** A metadata cell: JSON text (ours: floats kept), bytes of it, or an object another writer made. */
function metadataOf(
  cell: unknown,
  decoder: InstanceType<typeof TextDecoder>,
): Record<string, unknown> | null {
  if (cell === null || cell === undefined) return null;
  const text = cell instanceof Uint8Array ? decoder.decode(cell) : cell;
  const value = typeof text === 'string' ? parseKeepingFloats(text) : text;
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TransferError(
      `a metadata cell is not a JSON object: ${JSON.stringify(text).slice(0, 80)}`,
    );
  }
  return value as Record<string, unknown>;
}
