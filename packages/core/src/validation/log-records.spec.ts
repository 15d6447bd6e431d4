import { describe, expect, it } from 'vitest';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { LogRecordSchema, Operation, type LogRecord } from '@huedb/proto/log';
import { embeddingToBytes } from '../embeddings.js';
import { InvalidArgumentError, UnprocessableEntityError } from '../errors.js';
import { updateMetadataToProto } from '../metadata-codec.js';
import { validateLogRecords } from './log-records.js';

const vector = (...values: number[]) => embeddingToBytes(new Float32Array(values));
const rec = (init: MessageInitShape<typeof LogRecordSchema>): LogRecord =>
  create(LogRecordSchema, init);

describe('validateLogRecords', () => {
  it('accepts what the gateway pushes: one operation per push, deletes by id alone', () => {
    expect(() =>
      validateLogRecords([
        rec({ id: 'a', operation: Operation.ADD, embedding: vector(1, 2), document: 'd' }),
        rec({ id: 'b', operation: Operation.ADD, embedding: vector(3, 4) }),
      ]),
    ).not.toThrow();
    expect(() =>
      validateLogRecords([
        rec({ id: 'a', operation: Operation.UPDATE, metadata: updateMetadataToProto({ k: null }) }),
        rec({ id: 'b', operation: Operation.UPSERT }),
        rec({ id: 'c', operation: Operation.DELETE }),
      ]),
    ).not.toThrow();
  });

  it("refuses with core's messages, the ones the gateway answers with", () => {
    const cases: [LogRecord[], RegExp | string][] = [
      [[], 'A write needs at least one record'],
      [
        [rec({ id: '', operation: Operation.ADD, embedding: vector(1) })],
        'Empty ID, ID must have at least one character',
      ],
      [[rec({ id: 'a', operation: Operation.ADD })], /Expected embedding at index 0/],
      [
        [
          rec({ id: 'a', operation: Operation.ADD, embedding: vector(1, 2) }),
          rec({ id: 'b', operation: Operation.ADD, embedding: vector(1, 2, 3) }),
        ],
        'Inconsistent dimensions in provided embeddings',
      ],
      [
        [
          rec({ id: 'a', operation: Operation.ADD, embedding: vector(1, 2) }),
          rec({ id: 'b', operation: Operation.UPDATE, embedding: vector(1, 2, 3) }),
        ],
        'Collection expecting embedding with dimension of 2, got 3',
      ],
      [
        [rec({ id: 'a', operation: Operation.ADD, embedding: new Uint8Array(6) })],
        /Invalid byte length: 6 bytes/,
      ],
      [
        [rec({ id: 'a', operation: Operation.ADD, embedding: vector(NaN) })],
        /finite float32 values/,
      ],
      [
        [
          rec({
            id: 'a',
            operation: Operation.ADD,
            embedding: vector(1),
            metadata: updateMetadataToProto({ k: null }),
          }),
        ],
        /Expected metadata value for key 'k' at index 0/,
      ],
      [
        [
          rec({
            id: 'a',
            operation: Operation.UPDATE,
            metadata: updateMetadataToProto({ $bad: 1 }),
          }),
        ],
        "Metadata key cannot start with '#' or '$': $bad",
      ],
      [[rec({ id: 'a', operation: Operation.DELETE, document: 'd' })], /carries only an id/],
      [[rec({ id: 'a', operation: Operation.UNSPECIFIED })], /no known operation/],
      [[rec({ id: 'a', operation: 9 as Operation })], /no known operation \(9\)/],
    ];
    for (const [records, message] of cases) {
      let thrown: unknown;
      try {
        validateLogRecords(records);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, String(message)).toSatisfy(
        (e) => e instanceof InvalidArgumentError || e instanceof UnprocessableEntityError,
      );
      if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
      else expect((thrown as Error).message).toMatch(message);
    }
  });
});
