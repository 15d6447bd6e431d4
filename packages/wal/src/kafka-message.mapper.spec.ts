import { Operation } from '@huedb/proto/log';
import { describe, expect, it } from 'vitest';
import {
  decodeWalMessage,
  encodeBatch,
  encodeCursor,
  encodePurge,
  type OutgoingMessage,
} from './kafka-message.mapper.js';

function roundTrip(message: OutgoingMessage) {
  const headers = [...(message.headers ?? new Map<Buffer, Buffer>())];
  return decodeWalMessage(message.key, message.value, headers);
}

describe('WAL messages', () => {
  it('round-trips a batch with every field', () => {
    const embedding = new Uint8Array(new Float32Array([0.5, -1, 3]).buffer);
    const decoded = roundTrip(
      encodeBatch('c1', [
        {
          id: 'r1',
          operation: Operation.ADD,
          embedding,
          document: 'doc',
          uri: 'u',
          metadata: {
            entries: [{ key: 'k', value: { kind: { case: 'stringValue', value: 'v' } } }],
          },
        },
        { id: 'r2', operation: Operation.DELETE },
      ]),
    );
    expect(decoded.kind).toBe('batch');
    if (decoded.kind !== 'batch') return;
    expect(decoded.collectionId).toBe('c1');
    expect(decoded.records.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(decoded.records[0]!.embedding).toEqual(embedding);
    expect(decoded.records[0]!.document).toBe('doc');
    expect(decoded.records[1]!.operation).toBe(Operation.DELETE);
  });

  it('round-trips cursors and purges', () => {
    expect(roundTrip(encodeCursor('c', 1234567890123n))).toEqual({
      kind: 'cursor',
      collectionId: 'c',
      position: 1234567890123n,
    });
    expect(roundTrip(encodePurge('c'))).toEqual({ kind: 'purge', collectionId: 'c' });
  });

  it('rejects messages it did not write', () => {
    const batch = encodeBatch('c1', [{ id: 'r', operation: Operation.ADD }]);
    expect(() => decodeWalMessage(Buffer.from('other'), batch.value, [])).toThrow(/stored under/);
    expect(() => decodeWalMessage(null, batch.value, [])).toThrow(/key/);
    expect(() =>
      decodeWalMessage(Buffer.from('c'), null, [[Buffer.from('huedb-kind'), Buffer.from('x')]]),
    ).toThrow(/unknown/);
  });
});
