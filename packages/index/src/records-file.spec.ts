import { readFile, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENTRY_CHUNK_RECORDS,
  RECORDS_FOOTER_BYTES,
  RECORDS_HEADER_BYTES,
  readRecordsFile,
  writeRecordsFile,
  type RecordEntry,
} from './records-file.js';
import { SegmentCorruptError } from './segment-errors.js';
import { tempDir } from '../test/fixtures.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterAll(async () => {
  await cleanup();
});

const dimension = 3;
const count = 2 * ENTRY_CHUNK_RECORDS + 17; // three chunks
const embeddings = Float32Array.from({ length: count * dimension }, (_, i) => i / 7 - 100);
const labels = Uint32Array.from({ length: count }, (_, i) => count - i + 1000);
const entry = (p: number): RecordEntry => ({
  id: `id-${p}-ü`,
  document: p % 2 ? null : `doc ${p} 🦀`,
  uri: p % 3 ? null : `u${p}`,
  metadata: p % 5 ? { p, list: [p, p + 1], s: ['a'], b: [true] } : null,
});

describe('records file', () => {
  it('round-trips many records across chunks, with the hash of its bytes', async () => {
    const file = path.join(root, 'many.bin');
    const written = await writeRecordsFile(file, dimension, embeddings, labels, entry);
    const bytes = await readFile(file);
    expect(written.bytes).toBe(bytes.length);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('HUEDBREC');
    expect(bytes.subarray(bytes.length - 8).toString('latin1')).toBe('HUEDBEND');
    // Vectors start right after the header, little-endian.
    expect(bytes.readFloatLE(RECORDS_HEADER_BYTES + 4)).toBe(embeddings[1]);
    expect(bytes.readUInt32LE(bytes.length - RECORDS_FOOTER_BYTES)).toBe(3);

    const columns = await readRecordsFile(file, { dimension, recordCount: count });
    expect(columns.embeddings).toEqual(embeddings);
    expect(columns.labels).toEqual(labels);
    for (const p of [0, 1, 4095, 4096, 8191, 8192, count - 1]) {
      const e = entry(p);
      expect(columns.ids[p]).toBe(e.id);
      expect(columns.documents[p]).toBe(e.document);
      expect(columns.uris[p]).toBe(e.uri);
      expect(columns.metadatas[p]).toEqual(e.metadata);
    }
  });

  it('keeps the keys of integral floats, and reads files written without them', async () => {
    const file = path.join(root, 'floats.bin');
    const withFloats = (p: number): RecordEntry => ({
      ...entry(p),
      metadata: { f: 1, i: 2 },
      floatKeys: p === 1 ? ['f'] : undefined,
    });
    await writeRecordsFile(
      file,
      dimension,
      embeddings.subarray(0, 9),
      labels.subarray(0, 3),
      withFloats,
    );
    const columns = await readRecordsFile(file, { dimension, recordCount: 3 });
    expect(columns.floatKeys).toEqual([undefined, ['f'], undefined]);
    expect(columns.metadatas[1]).toEqual({ f: 1, i: 2 });
  });

  it('refuses an existing file, a wrong count, a wrong magic and a cut tail', async () => {
    const file = path.join(root, 'small.bin');
    await writeRecordsFile(
      file,
      dimension,
      embeddings.subarray(0, 30),
      labels.subarray(0, 10),
      entry,
    );
    await expect(
      writeRecordsFile(file, dimension, embeddings.subarray(0, 30), labels.subarray(0, 10), entry),
    ).rejects.toThrow(/EEXIST/);
    await expect(readRecordsFile(file, { dimension, recordCount: 11 })).rejects.toThrow(
      /holds 10 × 3, the manifest says 11 × 3/,
    );
    const bytes = await readFile(file);
    const cut = path.join(root, 'cut.bin');
    await writeFile(cut, bytes.subarray(0, bytes.length - 3));
    await expect(readRecordsFile(cut, { dimension, recordCount: 10 })).rejects.toThrow(
      SegmentCorruptError,
    );
    const bad = path.join(root, 'bad.bin');
    const copy = Buffer.from(bytes);
    copy[0] = 0x58;
    await writeFile(bad, copy);
    await expect(readRecordsFile(bad, { dimension, recordCount: 10 })).rejects.toThrow(/bad magic/);
    expect((await stat(file)).size).toBe(bytes.length);
  });
});
