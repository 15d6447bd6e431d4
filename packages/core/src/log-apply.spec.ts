import { create } from '@bufbuild/protobuf';
import { LogRecordSchema, Operation } from '@huedb/proto/log';
import { describe, expect, it } from 'vitest';
import { embeddingToBytes } from './embeddings.js';
import { applyLogRecord, mergeLogRecord, recordFromLog, type LiveRecord } from './log-apply.js';
import { updateMetadataToProto } from './metadata-codec.js';
import type { UpdateMetadata } from './types.js';

const rec = (
  id: string,
  operation: Operation,
  fields: { v?: number[]; doc?: string; md?: UpdateMetadata } = {},
) =>
  create(LogRecordSchema, {
    id,
    operation,
    embedding: fields.v ? embeddingToBytes(new Float32Array(fields.v)) : undefined,
    document: fields.doc,
    metadata: fields.md ? updateMetadataToProto(fields.md) : undefined,
  });

const view = (records: Map<string, LiveRecord>) =>
  [...records.values()].map((r) => ({
    id: r.id,
    v: [...r.embedding],
    doc: r.document,
    md: r.metadata,
  }));

describe('applying log records with Chroma semantics', () => {
  it('merges metadata keys named __proto__ or constructor as ordinary keys', () => {
    const records = new Map<string, LiveRecord>();
    const md = (json: string) => JSON.parse(json) as UpdateMetadata;
    applyLogRecord(
      records,
      rec('a', Operation.ADD, { v: [1], md: md('{"__proto__": 1, "k": 2}') }),
    );
    applyLogRecord(records, rec('a', Operation.UPDATE, { md: md('{"constructor": "c"}') }));
    const merged = records.get('a')!.metadata!;
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(Object.entries(merged)).toEqual([
      ['__proto__', 1],
      ['k', 2],
      ['constructor', 'c'],
    ]);
    applyLogRecord(records, rec('a', Operation.UPSERT, { v: [1], md: md('{"__proto__": null}') }));
    expect(Object.entries(records.get('a')!.metadata!)).toEqual([
      ['k', 2],
      ['constructor', 'c'],
    ]);
  });

  it('add of an existing id and update of a missing id change nothing', () => {
    const records = new Map<string, LiveRecord>();
    applyLogRecord(records, rec('a', Operation.ADD, { v: [1], doc: 'first', md: { k: 1 } }));
    applyLogRecord(records, rec('a', Operation.ADD, { v: [2], doc: 'second' }));
    applyLogRecord(records, rec('zz', Operation.UPDATE, { doc: 'ghost' }));
    expect(view(records)).toEqual([{ id: 'a', v: [1], doc: 'first', md: { k: 1 } }]);
  });

  it('upsert merges metadata (null deletes a key) and keeps the position; unset fields stay', () => {
    const records = new Map<string, LiveRecord>();
    applyLogRecord(records, rec('a', Operation.ADD, { v: [1], doc: 'd', md: { k: 1, j: 2 } }));
    applyLogRecord(records, rec('b', Operation.ADD, { v: [2] }));
    applyLogRecord(records, rec('a', Operation.UPSERT, { v: [3], md: { k: null, n: 'x' } }));
    applyLogRecord(records, rec('c', Operation.UPSERT, { v: [4], md: { k: null } }));
    expect(view(records)).toEqual([
      { id: 'a', v: [3], doc: 'd', md: { j: 2, n: 'x' } },
      { id: 'b', v: [2], doc: null, md: null },
      { id: 'c', v: [4], doc: null, md: null },
    ]);
  });

  it('a deleted id added again moves to the end; deleting every key reads back null', () => {
    const records = new Map<string, LiveRecord>();
    for (const id of ['a', 'b'])
      applyLogRecord(records, rec(id, Operation.ADD, { v: [1], md: { k: 1 } }));
    applyLogRecord(records, rec('a', Operation.DELETE));
    applyLogRecord(records, rec('a', Operation.ADD, { v: [5] }));
    applyLogRecord(records, rec('b', Operation.UPDATE, { md: { k: null } }));
    expect(view(records).map((r) => [r.id, r.md])).toEqual([
      ['b', null],
      ['a', null],
    ]);
  });

  it('merging never mutates the record it starts from (segments are immutable)', () => {
    const base = recordFromLog(rec('a', Operation.ADD, { v: [1, 2], doc: 'x', md: { k: 1 } }))!;
    const snapshot = structuredClone(base);
    const merged = mergeLogRecord(
      base,
      rec('a', Operation.UPDATE, { v: [9, 9], doc: 'y', md: { k: null } }),
    );
    expect(base).toEqual(snapshot);
    expect(merged).toMatchObject({ document: 'y', metadata: null });
    expect([...merged.embedding]).toEqual([9, 9]);
  });
});

describe('integral floats', () => {
  it('keep their keys through add, update, upsert and delete of keys', () => {
    const records = new Map<string, LiveRecord>();
    const add = create(LogRecordSchema, {
      id: 'a',
      operation: Operation.ADD,
      embedding: embeddingToBytes(new Float32Array([1])),
      metadata: updateMetadataToProto({ f: 1, i: 1, l: [1, 2] }, ['f', 'l']),
    });
    applyLogRecord(records, add);
    expect(records.get('a')!.floatKeys).toEqual(['f', 'l']);
    applyLogRecord(records, rec('a', Operation.UPDATE, { md: { f: 2, g: 3 } }));
    expect(records.get('a')!.floatKeys).toEqual(['l']);
    const update = create(LogRecordSchema, {
      id: 'a',
      operation: Operation.UPDATE,
      metadata: updateMetadataToProto({ g: 3, l: null }, ['g']),
    });
    applyLogRecord(records, update);
    expect(records.get('a')!.floatKeys).toEqual(['g']);
    applyLogRecord(records, rec('a', Operation.UPDATE, { md: { g: null } }));
    expect(records.get('a')!.floatKeys).toBeUndefined();
  });
});
