import { Operation } from '@huedb/proto/log';
import { describe, expect, it } from 'vitest';
import {
  FRAME_OVERHEAD_BYTES,
  decodeEntry,
  encodeBatchPayload,
  encodeCursorPayload,
  encodePurgePayload,
  frameSize,
  readFrame,
  writeFrame,
  type EncodedEntry,
} from './local-frame.mapper.js';

/** Frames `entries` into one buffer, as one write group starting at position 7. */
function group(...entries: EncodedEntry[]): Buffer {
  const buf = Buffer.alloc(entries.reduce((sum, e) => sum + frameSize(e), 0));
  let offset = 0;
  entries.forEach((entry, i) => {
    offset = writeFrame(buf, offset, entry, 7n + BigInt(i), 1_700_000_000_123, offset);
  });
  return buf;
}

describe('local WAL frames', () => {
  it('round-trips a batch, a cursor and a purge with their positions and group offsets', () => {
    const embedding = new Uint8Array(new Float32Array([0.5, -1, 3]).buffer);
    const batch = encodeBatchPayload('c1', [
      { id: 'r1', operation: Operation.ADD, embedding, document: 'doc' },
      { id: 'r2', operation: Operation.DELETE },
    ]);
    const buf = group(batch, encodeCursorPayload('c1', 42n), encodePurgePayload('c2'));
    expect(buf.length).toBe(3 * FRAME_OVERHEAD_BYTES + batch.payload.length + 8 + 2 + 2);

    const first = readFrame(buf, 0).frame!;
    expect(first).toMatchObject({
      kind: 'batch',
      position: 7n,
      appendedAtMs: 1_700_000_000_123,
      groupOffset: 0,
    });
    const decoded = decodeEntry(first.kind, new Uint8Array(first.payload));
    expect(decoded).toMatchObject({
      kind: 'batch',
      collectionId: 'c1',
      bytes: batch.payload.length,
    });
    if (decoded.kind !== 'batch') throw new Error('not a batch');
    expect(decoded.records.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(decoded.records[0]!.embedding).toEqual(embedding);

    const second = readFrame(buf, first.size).frame!;
    expect(second).toMatchObject({ kind: 'cursor', position: 8n, groupOffset: first.size });
    expect(decodeEntry(second.kind, second.payload)).toEqual({
      kind: 'cursor',
      collectionId: 'c1',
      position: 42n,
    });
    const third = readFrame(buf, first.size + second.size).frame!;
    expect(third.groupOffset).toBe(first.size + second.size);
    expect(decodeEntry(third.kind, third.payload)).toEqual({ kind: 'purge', collectionId: 'c2' });
    expect(first.size + second.size + third.size).toBe(buf.length);
  });

  it('tells what is wrong with bytes that are not a whole frame', () => {
    const buf = group(encodePurgePayload('collection'));
    expect(readFrame(buf.subarray(0, 11), 0).damage).toBe('incomplete header');
    expect(readFrame(buf.subarray(0, buf.length - 1), 0).damage).toBe('incomplete frame');
    expect(readFrame(Buffer.alloc(64), 0).damage).toBe('bad magic');
    const short = Buffer.from(buf);
    short.writeUInt32BE(3, 4);
    expect(readFrame(short, 0).damage).toBe('bad length');
    for (let i = 12; i < buf.length; i++) {
      const flipped = Buffer.from(buf);
      flipped[i]! ^= 0x01;
      expect(readFrame(flipped, 0).damage).toBe('checksum mismatch');
    }
  });

  it('refuses payloads it did not write', () => {
    expect(() => decodeEntry('cursor', new Uint8Array(8))).toThrow(/collection id/);
    expect(() => decodeEntry('purge', new Uint8Array(0))).toThrow(/collection id/);
    expect(() => decodeEntry('batch', new Uint8Array([0xff, 0xff]))).toThrow();
  });
});
