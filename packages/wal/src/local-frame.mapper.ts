import { crc32 } from 'node:zlib';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { LogBatchSchema } from '@huedb/proto/log';
import type { WalEntry } from './partition-tails.js';
import type { LogRecordInit } from './wal.js';

/**
 * The local WAL's on-disk frame: one entry of the log (a batch, a cursor move or a purge) at one
 * position. All integers big-endian.
 *
 * ```
 * offset size field
 *  0     4    magic "HWAL" (0x4857414c)
 *  4     4    body length L (bytes after the checksum)
 *  8     4    CRC-32 (IEEE, zlib's) of the body
 * 12     1    kind: 1 batch, 2 cursor, 3 purge                 ┐
 * 13     8    position (the global entry number, dense in file) │ body
 * 21     8    appended at (Unix ms)                             │ (L bytes)
 * 29     4    group offset: bytes from the start of the write   │
 *             that carried this frame to the frame's start      │
 * 33     L-21 payload: batch → protobuf LogBatch;               │
 *             cursor → int64 cursor + utf8 collection id;       │
 *             purge → utf8 collection id                        ┘
 * ```
 *
 * The group offset is what lets recovery tell a torn write from corruption: frames written by one
 * `write` call share a group start, and only the last write can be torn (see segment-log.ts).
 */
export const FRAME_MAGIC = 0x4857414c;
/** Magic, length, checksum. */
export const FRAME_HEADER_BYTES = 12;
/** Kind, position, appended-at, group offset. */
const BODY_FIXED_BYTES = 21;
/** Bytes a frame adds to its payload. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + BODY_FIXED_BYTES;
/** No frame body is larger (a sanity bound for lengths read from disk). */
const MAX_BODY_BYTES = 2 ** 31;

const KIND_CODES = { batch: 1, cursor: 2, purge: 3 } as const;
const KINDS_BY_CODE: readonly (EntryKind | undefined)[] = [undefined, 'batch', 'cursor', 'purge'];

/** What an entry is. */
export type EntryKind = keyof typeof KIND_CODES;

/** An entry as the log applies it, decoded from its payload. */
export type LocalEntry = WalEntry;

/** An entry ready to be framed: its kind and encoded payload. */
export interface EncodedEntry {
  readonly kind: EntryKind;
  readonly payload: Uint8Array;
}

/** A frame read back from a segment. `payload` is a view into the segment's bytes. */
export interface Frame {
  readonly kind: EntryKind;
  readonly position: bigint;
  readonly appendedAtMs: number;
  readonly groupOffset: number;
  readonly payload: Uint8Array;
  /** Bytes the frame occupies (header, body). */
  readonly size: number;
}

/** Encodes a batch's payload (the protobuf LogBatch — the same bytes a Kafka message carries). */
export function encodeBatchPayload(
  collectionId: string,
  records: readonly LogRecordInit[],
): EncodedEntry {
  const batch = create(LogBatchSchema, { collectionId, records: records as LogRecordInit[] });
  return { kind: 'batch', payload: toBinary(LogBatchSchema, batch) };
}

/** Encodes a compaction cursor move. */
export function encodeCursorPayload(collectionId: string, position: bigint): EncodedEntry {
  const id = Buffer.from(collectionId, 'utf8');
  const payload = Buffer.alloc(8 + id.length);
  payload.writeBigInt64BE(position, 0);
  id.copy(payload, 8);
  return { kind: 'cursor', payload };
}

/** Encodes a purge. */
export function encodePurgePayload(collectionId: string): EncodedEntry {
  return { kind: 'purge', payload: Buffer.from(collectionId, 'utf8') };
}

/**
 * Decodes a payload. Throws on bytes this code did not write; since a frame's checksum covers its
 * payload, that means a bug or deliberate tampering, never a torn write.
 */
export function decodeEntry(kind: EntryKind, payload: Uint8Array): LocalEntry {
  switch (kind) {
    case 'batch': {
      const batch = fromBinary(LogBatchSchema, payload);
      if (batch.collectionId.length === 0) throw new Error('batch without a collection id');
      return {
        kind,
        collectionId: batch.collectionId,
        records: batch.records,
        bytes: payload.byteLength,
      };
    }
    case 'cursor': {
      if (payload.byteLength <= 8) throw new Error('cursor entry without a collection id');
      const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      return {
        kind,
        position: view.readBigInt64BE(0),
        collectionId: view.toString('utf8', 8),
      };
    }
    case 'purge':
      if (payload.byteLength === 0) throw new Error('purge entry without a collection id');
      return {
        kind,
        collectionId: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString(
          'utf8',
        ),
      };
  }
}

/** Bytes the frame of `entry` occupies. */
export function frameSize(entry: EncodedEntry): number {
  return FRAME_OVERHEAD_BYTES + entry.payload.byteLength;
}

/**
 * Writes one frame into `target` at `offset` and returns the offset after it. `target` must have
 * room for {@link frameSize} bytes.
 */
export function writeFrame(
  target: Buffer,
  offset: number,
  entry: EncodedEntry,
  position: bigint,
  appendedAtMs: number,
  groupOffset: number,
): number {
  const bodyStart = offset + FRAME_HEADER_BYTES;
  const bodyLength = BODY_FIXED_BYTES + entry.payload.byteLength;
  target.writeUInt32BE(FRAME_MAGIC, offset);
  target.writeUInt32BE(bodyLength, offset + 4);
  target.writeUInt8(KIND_CODES[entry.kind], bodyStart);
  target.writeBigInt64BE(position, bodyStart + 1);
  target.writeBigInt64BE(BigInt(appendedAtMs), bodyStart + 9);
  target.writeUInt32BE(groupOffset, bodyStart + 17);
  target.set(entry.payload, bodyStart + BODY_FIXED_BYTES);
  const end = bodyStart + bodyLength;
  target.writeUInt32BE(crc32(target.subarray(bodyStart, end)), offset + 8);
  return end;
}

/**
 * Why the bytes at an offset are not a frame. Every kind but 'unknown kind' is what a torn write
 * leaves; an unknown kind under a valid checksum was written deliberately (by a newer version?).
 */
export type FrameDamage =
  | 'incomplete header'
  | 'bad magic'
  | 'bad length'
  | 'incomplete frame'
  | 'checksum mismatch'
  | 'unknown kind';

/**
 * Reads the frame at `offset` of `buf`, checking magic, length and checksum; or says what is
 * wrong with the bytes there. Never throws.
 */
export function readFrame(
  buf: Buffer,
  offset: number,
): { frame: Frame; damage?: never } | { frame?: never; damage: FrameDamage } {
  if (buf.length - offset < FRAME_HEADER_BYTES) return { damage: 'incomplete header' };
  if (buf.readUInt32BE(offset) !== FRAME_MAGIC) return { damage: 'bad magic' };
  const bodyLength = buf.readUInt32BE(offset + 4);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES) return { damage: 'bad length' };
  const bodyStart = offset + FRAME_HEADER_BYTES;
  const end = bodyStart + bodyLength;
  if (end > buf.length) return { damage: 'incomplete frame' };
  const body = buf.subarray(bodyStart, end);
  if (crc32(body) !== buf.readUInt32BE(offset + 8)) return { damage: 'checksum mismatch' };
  const kind = KINDS_BY_CODE[body.readUInt8(0)];
  if (!kind) return { damage: 'unknown kind' };
  return {
    frame: {
      kind,
      position: body.readBigInt64BE(1),
      appendedAtMs: Number(body.readBigInt64BE(9)),
      groupOffset: body.readUInt32BE(17),
      payload: body.subarray(BODY_FIXED_BYTES),
      size: end - offset,
    },
  };
}
