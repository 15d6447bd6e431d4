import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Metadata } from '@huedb/core';
import { SegmentCorruptError } from './segment-errors.js';

/**
 * The records file of a segment (`records.bin`): everything about its records except the HNSW
 * graph. Little-endian throughout; the layout (see README.md):
 *
 * ```
 * 0    header, 64 bytes
 *        0  magic "HUEDBREC"            8 bytes
 *        8  format version (1)           u32
 *       12  dimension                    u32
 *       16  record count N               u32
 *       20  reserved (0)                 u32
 *       24  embeddings offset (= 64)     u64
 *       32  labels offset                u64
 *       40  entries offset               u64
 *       48  reserved (0)                 16 bytes
 * 64   embeddings: N × dimension float32, position-major (the RAW vectors, never normalized)
 *      labels: N × u32, the HNSW label of each position
 *      zero padding to a multiple of 8
 *      entries: C chunks, each  u32 record count · u32 byte length · UTF-8 JSON array of
 *               [id, document, uri, metadata] tuples, positions in order; a record whose
 *               metadata holds integral floats (1.0) has a 5th element, the keys of those
 *               (JSON cannot tell 1.0 from 1)
 *      footer, 16 bytes: u32 chunk count C · u32 record count N · "HUEDBEND"
 * ```
 *
 * Why this shape: the embeddings are the bulk (100k × 768 = 307 MB) and load with one read into one
 * Float32Array (no parsing, no per-vector objects); the rest is small per record and JSON.parse is
 * the fastest decoder V8 has. The JSON is chunked (≤ {@link ENTRY_CHUNK_RECORDS} records or about
 * {@link ENTRY_CHUNK_CHARS} characters each) so that no string comes near V8's maximum string
 * length however large the segment, and so that writing interleaves with the event loop. Everything
 * the writer learns only at the end (the chunk count) is in the footer, so the file is written and
 * hashed in one sequential pass; a file cut short loses its footer and is refused.
 */

/** The file's first 8 bytes. */
export const RECORDS_MAGIC = 'HUEDBREC';
/** The records file's own format version (the manifest has another). */
export const RECORDS_FORMAT_VERSION = 1;
/** Bytes in the header. */
export const RECORDS_HEADER_BYTES = 64;
/** The footer's last 8 bytes. */
export const RECORDS_END_MAGIC = 'HUEDBEND';
/** Bytes in the footer. */
export const RECORDS_FOOTER_BYTES = 16;
/** Most records per JSON chunk. */
export const ENTRY_CHUNK_RECORDS = 4096;
/** A chunk is closed once its JSON reaches about this many characters. */
export const ENTRY_CHUNK_CHARS = 4 * 1024 * 1024;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Largest single read: Node refuses more than 2 GiB − 1 in one call. */
const MAX_READ_BYTES = 256 * 1024 * 1024;
/**
 * Largest single write: each one is hashed synchronously afterwards, and sha256 of 8 MiB takes
 * ~10–20 ms, which bounds how long the writer holds the event loop.
 */
const MAX_WRITE_BYTES = 8 * 1024 * 1024;

/** The columns of a records file, in position order. */
export interface RecordColumns {
  dimension: number;
  /** N × dimension raw float32 values. */
  embeddings: Float32Array;
  /** HNSW label per position. */
  labels: Uint32Array;
  ids: string[];
  documents: (string | null)[];
  uris: (string | null)[];
  metadatas: (Metadata | null)[];
  /** Per position, the metadata keys whose integral numbers are floats; mostly undefined. */
  floatKeys: (readonly string[] | undefined)[];
}

/** One record's non-vector fields, as the writer reads them. */
export interface RecordEntry {
  id: string;
  document: string | null;
  uri: string | null;
  metadata: Metadata | null;
  /** Metadata keys whose integral numbers are floats (`1.0`), if any. */
  floatKeys?: readonly string[];
}

/**
 * Writes a records file at `path` (which must not exist) and returns its length and sha256. The
 * JSON chunks are written one at a time with awaits between them, so a large segment never holds
 * the event loop for long.
 * @param path - the file to create
 * @param dimension - vector length
 * @param embeddings - N × dimension raw values, position-major
 * @param labels - the HNSW label of each position
 * @param entry - the non-vector fields of a position
 * @param signal - aborts between chunks
 */
export async function writeRecordsFile(
  path: string,
  dimension: number,
  embeddings: Float32Array,
  labels: Uint32Array,
  entry: (position: number) => RecordEntry,
  signal?: AbortSignal,
): Promise<{ bytes: number; sha256: string }> {
  const count = labels.length;
  if (embeddings.length !== count * dimension) {
    throw new RangeError(`records file: ${embeddings.length} values for ${count} × ${dimension}`);
  }
  const labelsOffset = RECORDS_HEADER_BYTES + embeddings.byteLength;
  const entriesOffset = align8(labelsOffset + labels.byteLength);
  const header = new Uint8Array(RECORDS_HEADER_BYTES);
  header.set(Buffer.from(RECORDS_MAGIC, 'latin1'), 0);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(8, RECORDS_FORMAT_VERSION, true);
  headerView.setUint32(12, dimension, true);
  headerView.setUint32(16, count, true);
  headerView.setBigUint64(24, BigInt(RECORDS_HEADER_BYTES), true);
  headerView.setBigUint64(32, BigInt(labelsOffset), true);
  headerView.setBigUint64(40, BigInt(entriesOffset), true);

  const handle = await open(path, 'wx');
  const out = new HashingWriter(handle);
  try {
    await out.write(header);
    await out.writeLittleEndian32(embeddings);
    await out.writeLittleEndian32(labels);
    await out.write(new Uint8Array(entriesOffset - labelsOffset - labels.byteLength));

    let chunkCount = 0;
    let parts: string[] = [];
    let chars = 0;
    const flush = async (): Promise<void> => {
      const json = Buffer.from(`[${parts.join(',')}]`, 'utf8');
      const prefix = new Uint8Array(8);
      const view = new DataView(prefix.buffer);
      view.setUint32(0, parts.length, true);
      view.setUint32(4, json.length, true);
      await out.write(prefix);
      await out.write(json);
      chunkCount++;
      parts = [];
      chars = 0;
      signal?.throwIfAborted();
    };
    for (let position = 0; position < count; position++) {
      const { id, document, uri, metadata, floatKeys } = entry(position);
      const part = JSON.stringify(
        floatKeys && floatKeys.length > 0
          ? [id, document, uri, metadata, floatKeys]
          : [id, document, uri, metadata],
      );
      parts.push(part);
      chars += part.length;
      if (parts.length >= ENTRY_CHUNK_RECORDS || chars >= ENTRY_CHUNK_CHARS) await flush();
    }
    if (parts.length > 0) await flush();

    const footer = new Uint8Array(RECORDS_FOOTER_BYTES);
    const footerView = new DataView(footer.buffer);
    footerView.setUint32(0, chunkCount, true);
    footerView.setUint32(4, count, true);
    footer.set(Buffer.from(RECORDS_END_MAGIC, 'latin1'), 8);
    await out.write(footer);
    return { bytes: out.length, sha256: out.digest() };
  } finally {
    await handle.close();
  }
}

/**
 * Reads a records file written by {@link writeRecordsFile}. Throws SegmentCorruptError when the
 * file is not one, is truncated, or disagrees with the expected dimension or count.
 * @param path - the file
 * @param expected - what the manifest says
 */
export async function readRecordsFile(
  path: string,
  expected: { dimension: number; recordCount: number },
): Promise<RecordColumns> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const corrupt = (what: string) => new SegmentCorruptError(`${path}: ${what}`);
    if (size < RECORDS_HEADER_BYTES) throw corrupt(`${size} bytes, shorter than the header`);
    const header = new Uint8Array(RECORDS_HEADER_BYTES);
    await readFully(handle, header, 0);
    if (Buffer.from(header.subarray(0, 8)).toString('latin1') !== RECORDS_MAGIC) {
      throw corrupt('not a HueDB records file (bad magic)');
    }
    const view = new DataView(header.buffer);
    const version = view.getUint32(8, true);
    if (version !== RECORDS_FORMAT_VERSION) throw corrupt(`unsupported format version ${version}`);
    const dimension = view.getUint32(12, true);
    const count = view.getUint32(16, true);
    const embeddingsOffset = Number(view.getBigUint64(24, true));
    const labelsOffset = Number(view.getBigUint64(32, true));
    const entriesOffset = Number(view.getBigUint64(40, true));
    if (dimension !== expected.dimension || count !== expected.recordCount) {
      throw corrupt(
        `holds ${count} × ${dimension}, the manifest says ${expected.recordCount} × ${expected.dimension}`,
      );
    }
    if (
      embeddingsOffset !== RECORDS_HEADER_BYTES ||
      labelsOffset !== embeddingsOffset + count * dimension * 4 ||
      entriesOffset !== align8(labelsOffset + count * 4) ||
      entriesOffset + RECORDS_FOOTER_BYTES > size
    ) {
      throw corrupt(`inconsistent section offsets or truncated (${size} bytes)`);
    }
    const footer = new Uint8Array(RECORDS_FOOTER_BYTES);
    await readFully(handle, footer, size - RECORDS_FOOTER_BYTES);
    const footerView = new DataView(footer.buffer);
    if (
      Buffer.from(footer.subarray(8)).toString('latin1') !== RECORDS_END_MAGIC ||
      footerView.getUint32(4, true) !== count
    ) {
      throw corrupt(`no footer at the end of its ${size} bytes (truncated?)`);
    }
    const chunkCount = footerView.getUint32(0, true);

    const embeddings = new Float32Array(count * dimension);
    await readFully(handle, new Uint8Array(embeddings.buffer), embeddingsOffset);
    const labels = new Uint32Array(count);
    await readFully(handle, new Uint8Array(labels.buffer), labelsOffset);
    if (!HOST_IS_LITTLE_ENDIAN) {
      swap32(new Uint8Array(embeddings.buffer));
      swap32(new Uint8Array(labels.buffer));
    }

    const entries = Buffer.allocUnsafe(size - RECORDS_FOOTER_BYTES - entriesOffset);
    await readFully(handle, entries, entriesOffset);
    const ids: string[] = new Array<string>(count);
    const documents: (string | null)[] = new Array<string | null>(count);
    const uris: (string | null)[] = new Array<string | null>(count);
    const metadatas: (Metadata | null)[] = new Array<Metadata | null>(count);
    const floatKeys: (readonly string[] | undefined)[] = new Array<readonly string[] | undefined>(
      count,
    );
    let offset = 0;
    let position = 0;
    for (let chunk = 0; chunk < chunkCount; chunk++) {
      if (offset + 8 > entries.length) throw corrupt(`entry chunk ${chunk} is truncated`);
      const records = entries.readUInt32LE(offset);
      const bytes = entries.readUInt32LE(offset + 4);
      offset += 8;
      if (offset + bytes > entries.length) throw corrupt(`entry chunk ${chunk} is truncated`);
      let tuples: unknown;
      try {
        tuples = JSON.parse(entries.toString('utf8', offset, offset + bytes));
      } catch (err) {
        throw corrupt(`entry chunk ${chunk} is not JSON: ${(err as Error).message}`);
      }
      if (!Array.isArray(tuples) || tuples.length !== records || position + records > count) {
        throw corrupt(`entry chunk ${chunk} does not hold ${records} records`);
      }
      for (const tuple of tuples as unknown[]) {
        if (
          !Array.isArray(tuple) ||
          (tuple.length !== 4 && tuple.length !== 5) ||
          typeof tuple[0] !== 'string'
        ) {
          throw corrupt(`entry of position ${position} is malformed`);
        }
        const [id, document, uri, metadata, floats] = tuple as [
          string,
          unknown,
          unknown,
          unknown,
          unknown,
        ];
        if (
          (document !== null && typeof document !== 'string') ||
          (uri !== null && typeof uri !== 'string') ||
          (metadata !== null && !isObject(metadata)) ||
          (floats !== undefined &&
            (!Array.isArray(floats) || !floats.every((k) => typeof k === 'string')))
        ) {
          throw corrupt(`entry of position ${position} is malformed`);
        }
        ids[position] = id;
        documents[position] = document;
        uris[position] = uri;
        metadatas[position] = metadata === null ? null : deepFreeze(metadata as Metadata);
        if (floats !== undefined) floatKeys[position] = Object.freeze(floats);
        position++;
      }
      offset += bytes;
      // Parsing a chunk takes a few ms; let other work run between chunks of a large segment.
      await yieldToEventLoop();
    }
    if (position !== count || offset !== entries.length) {
      throw corrupt(`entries hold ${position} records in ${offset} bytes, expected ${count}`);
    }
    return { dimension, embeddings, labels, ids, documents, uris, metadatas, floatKeys };
  } finally {
    await handle.close();
  }
}

/** Sequential writes through one file handle, hashing every byte written. */
class HashingWriter {
  length = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly handle: FileHandle) {}

  /** Appends bytes. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      const n = Math.min(MAX_WRITE_BYTES, bytes.length - at);
      const { bytesWritten } = await this.handle.write(bytes, at, n, this.length);
      this.hash.update(bytes.subarray(at, at + bytesWritten));
      at += bytesWritten;
      this.length += bytesWritten;
    }
  }

  /** Appends a typed array's 32-bit elements in little-endian order, whatever the host's. */
  async writeLittleEndian32(values: Float32Array | Uint32Array): Promise<void> {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (HOST_IS_LITTLE_ENDIAN) return this.write(bytes);
    for (let at = 0; at < bytes.length; at += MAX_WRITE_BYTES) {
      const part = bytes.slice(at, at + MAX_WRITE_BYTES);
      swap32(part);
      await this.write(part);
    }
  }

  /** sha256 (hex) of everything written. */
  digest(): string {
    return this.hash.digest('hex');
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < into.length;) {
    const n = Math.min(MAX_READ_BYTES, into.length - at);
    const { bytesRead } = await handle.read(into, at, n, position + at);
    if (bytesRead === 0) throw new SegmentCorruptError('unexpected end of file');
    at += bytesRead;
  }
}

function swap32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i]!;
    const b = bytes[i + 1]!;
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Segments are shared by every reader of a cached version: their metadata must not change. */
function deepFreeze(metadata: Metadata): Metadata {
  for (const value of Object.values(metadata)) {
    if (Array.isArray(value)) Object.freeze(value);
  }
  return Object.freeze(metadata);
}
