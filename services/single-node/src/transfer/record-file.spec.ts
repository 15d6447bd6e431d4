import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CollectionSpec, RecordBatch } from './chroma-endpoint.js';
import { parseKeepingFloats } from './float-json.js';
import { JsonlReader, JsonlWriter } from './jsonl-file.js';
import { ParquetFileReader, ParquetFileWriter } from './parquet-file.js';
import { emptyBatch, resolveFormat, type RecordFileReader } from './record-file.js';

/*
 * Both file formats on local files: what is written reads back the same, batch boundaries and
 * row groups notwithstanding (pyarrow's reading of the Parquet files is an integration test:
 * test/transfer/).
 */

const dir = mkdtempSync(path.join(tmpdir(), 'huedb-record-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec: CollectionSpec = {
  name: 'ünïcode-collection',
  metadata: parseKeepingFloats('{"owner":"me","version":2.0,"n":3}') as Record<string, unknown>,
  configuration_json: { hnsw: { space: 'l2', ef_search: 100 } },
  schema: { defaults: {}, keys: {} },
};

/** `n` records of dimension 3 with nulls, unicode and integral floats among them. */
function records(n: number, offset = 0): RecordBatch {
  const batch = emptyBatch();
  for (let i = offset; i < offset + n; i++) {
    batch.ids.push(`id-${i}-✓`);
    batch.embeddings.push([Math.fround(i / 7), -i, Math.fround(1e-7)]);
    batch.documents.push(i % 3 === 0 ? null : `doc ${i} 日本語 \u2028 "q" \n end`);
    batch.metadatas.push(
      i % 4 === 0
        ? null
        : (parseKeepingFloats(`{"f":${i}.0,"i":${i},"b":${i % 2 === 0},"s":"é"}`) as Record<
            string,
            unknown
          >),
    );
    batch.uris.push(i % 5 === 0 ? `s3://bucket/${i}` : null);
  }
  return batch;
}

async function readAll(reader: RecordFileReader, size: number): Promise<RecordBatch> {
  const all = emptyBatch();
  for await (const batch of reader.batches(size)) {
    expect(batch.ids.length).toBeLessThanOrEqual(size);
    for (const key of ['ids', 'embeddings', 'documents', 'metadatas', 'uris'] as const) {
      (all[key] as unknown[]).push(...batch[key]);
    }
  }
  return all;
}

/** Records as text, floats with their JSON spelling (so `1.0` ≠ `1`). */
const asText = (batch: RecordBatch) => JSON.stringify(batch);

describe.each([
  ['jsonl', JsonlWriter, JsonlReader],
  ['parquet', ParquetFileWriter, ParquetFileReader],
] as const)('%s files', (format, Writer, Reader) => {
  it('read back what was written: header, records, floats and nulls', async () => {
    const file = path.join(dir, `records.${format}`);
    const writer = await Writer.create(file, { collection: spec, count: 25_003 });
    const written = emptyBatch();
    // Uneven batches: a row group / line run never lines up with them.
    for (const [n, at] of [
      [7, 0],
      [12_000, 7],
      [12_996, 12_007],
    ] as const) {
      const batch = records(n, at);
      await writer.write(batch);
      for (const key of ['ids', 'embeddings', 'documents', 'metadatas', 'uris'] as const) {
        (written[key] as unknown[]).push(...batch[key]);
      }
    }
    await writer.close();
    const reader = await Reader.open(file);
    expect(JSON.stringify(reader.header?.collection)).toBe(JSON.stringify(spec));
    expect(reader.header?.count).toBe(25_003);
    expect(asText(await readAll(reader, 1000))).toBe(asText(written));
  });

  it('an empty collection makes a file that reads back empty', async () => {
    const file = path.join(dir, `empty.${format}`);
    const writer = await Writer.create(file, { collection: spec, count: 0 });
    await writer.close();
    const reader = await Reader.open(file);
    expect(reader.header?.collection.name).toBe(spec.name);
    expect((await readAll(reader, 10)).ids).toEqual([]);
  });
});

describe('JSON Lines', () => {
  it('escapes U+2028 and U+2029, so every record is one line for any line splitter', async () => {
    const file = path.join(dir, 'lines.jsonl');
    const writer = await JsonlWriter.create(file, { collection: spec, count: 4 });
    await writer.write(records(4));
    await writer.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/[\u2028\u2029]/);
    expect(text.split(/\r\n|[\n\r\u2028\u2029]/).filter((l) => l !== '')).toHaveLength(5);
  });

  it('reads a records-only file (no header line) and says which line is broken', async () => {
    const file = path.join(dir, 'plain.jsonl');
    writeFileSync(
      file,
      '{"id":"a","embedding":[1,2]}\r\n\n{"id":"b","embedding":[3,4],"metadata":{"x":1.0}}\n',
    );
    const reader = await JsonlReader.open(file);
    expect(reader.header).toBeUndefined();
    const all = await readAll(reader, 10);
    expect(all.ids).toEqual(['a', 'b']);
    expect(JSON.stringify(all.metadatas)).toBe('[null,{"x":1.0}]');
    writeFileSync(file, '{"id":"a","embedding":[1]}\n{"id":"b",\n');
    await expect(readAll(await JsonlReader.open(file), 10)).rejects.toThrow(
      /plain\.jsonl line 2 is not a JSON object/,
    );
  });
});

describe('resolveFormat', () => {
  it('takes the format from the extension or the flag, else asks for the flag', () => {
    expect(resolveFormat('a/b.PARQUET', undefined)).toBe('parquet');
    expect(resolveFormat('b.ndjson', undefined)).toBe('jsonl');
    expect(resolveFormat('b.bin', 'jsonl')).toBe('jsonl');
    expect(() => resolveFormat('b.bin', undefined)).toThrow(/pass --format/);
  });
});
