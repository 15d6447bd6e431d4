import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { LogBatchSchema } from '@huedb/proto/log';
import type { WalEntry } from './partition-tails.js';
import type { LogRecordInit } from './wal.js';

/**
 * What the WAL topic holds, message by message. Every message is keyed by its collection id and
 * lives in that collection's partition:
 *
 * - a batch: no `huedb-kind` header; value = protobuf `LogBatch` (the architecture's contract);
 * - a cursor: `huedb-kind: cursor`; value = the new compaction cursor as 8 bytes, big-endian;
 * - a purge: `huedb-kind: purge`; empty value; the collection's cursor becomes the purge
 *   message's own offset.
 *
 * Cursors and purges live in the same partition as the batches they cover, so every reader sees
 * them in the same order relative to those batches (see README.md, "Cursors").
 */
export type WalMessage = WalEntry;

/** A message ready for the producer. */
export interface OutgoingMessage {
  key: Buffer;
  value: Buffer;
  headers?: Map<Buffer, Buffer>;
}

/** The header that tells bookkeeping messages from batches. */
export const KIND_HEADER = 'huedb-kind';
const KIND_HEADER_BYTES = Buffer.from(KIND_HEADER);

/** Encodes a batch as one message. */
export function encodeBatch(
  collectionId: string,
  records: readonly LogRecordInit[],
): OutgoingMessage {
  const batch = create(LogBatchSchema, { collectionId, records: records as LogRecordInit[] });
  const bytes = toBinary(LogBatchSchema, batch);
  return {
    key: Buffer.from(collectionId),
    value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

/** Encodes a compaction cursor move. */
export function encodeCursor(collectionId: string, position: bigint): OutgoingMessage {
  const value = Buffer.alloc(8);
  value.writeBigInt64BE(position);
  return { key: Buffer.from(collectionId), value, headers: kindHeader('cursor') };
}

/** Encodes a purge. */
export function encodePurge(collectionId: string): OutgoingMessage {
  return { key: Buffer.from(collectionId), value: Buffer.alloc(0), headers: kindHeader('purge') };
}

function kindHeader(kind: 'cursor' | 'purge'): Map<Buffer, Buffer> {
  return new Map([[KIND_HEADER_BYTES, Buffer.from(kind)]]);
}

/**
 * Decodes a message read from the WAL topic. Throws on a message this code did not write (an
 * unknown kind, a batch whose collection differs from its key, bytes that do not parse): the
 * reader reports and skips it — it cannot be an acknowledged append.
 */
export function decodeWalMessage(
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly (readonly [Buffer | null, Buffer | null])[],
): WalMessage {
  if (!key || key.length === 0) throw new Error('message without a collection id key');
  const collectionId = key.toString('utf8');
  let kind: string | undefined;
  for (const [name, headerValue] of headers) {
    if (name?.equals(KIND_HEADER_BYTES)) kind = headerValue?.toString('utf8');
  }
  switch (kind) {
    case undefined: {
      // Copy: the fetched value is a view into the whole fetch response, which the decoded
      // records (their embedding bytes are views too) would otherwise keep alive.
      const own = new Uint8Array(value ?? new Uint8Array(0));
      const batch = fromBinary(LogBatchSchema, own);
      if (batch.collectionId !== collectionId) {
        throw new Error(
          `batch of collection ${batch.collectionId} stored under key ${collectionId}`,
        );
      }
      return { kind: 'batch', collectionId, records: batch.records, bytes: own.byteLength };
    }
    case 'cursor':
      if (!value || value.length !== 8) throw new Error('cursor message without an 8-byte value');
      return { kind: 'cursor', collectionId, position: value.readBigInt64BE(0) };
    case 'purge':
      return { kind: 'purge', collectionId };
    default:
      throw new Error(`unknown ${KIND_HEADER} "${kind}"`);
  }
}
