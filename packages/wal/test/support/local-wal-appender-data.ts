import { Operation } from '@huedb/proto/log';
import type { LogRecordInit } from '@huedb/wal';

/** The collections the appender writes to, round robin. */
export const APPENDER_COLLECTIONS = ['kill-a', 'kill-b', 'kill-c'] as const;

/** The collection of batch `seq`. */
export function appenderCollection(seq: number): string {
  return APPENDER_COLLECTIONS[seq % APPENDER_COLLECTIONS.length]!;
}

/**
 * The records of batch `seq`, deterministic from it: 1–8 records of 768-d vectors (3 KiB each,
 * so a group spans many pages and a kill can land in the middle of writing it).
 */
export function appenderRecords(seq: number): LogRecordInit[] {
  return Array.from({ length: 1 + (seq % 8) }, (_, i) => {
    const embedding = new Float32Array(768);
    for (let d = 0; d < embedding.length; d++) embedding[d] = seq + i / 10 + d / 1000;
    return {
      id: `${seq}/${i}`,
      operation: Operation.UPSERT,
      embedding: new Uint8Array(embedding.buffer),
      document: `batch ${seq} record ${i}`,
    };
  });
}
