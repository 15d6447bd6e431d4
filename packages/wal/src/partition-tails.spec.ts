import { create } from '@bufbuild/protobuf';
import { LogRecordSchema, Operation, type LogRecord } from '@huedb/proto/log';
import { describe, expect, it } from 'vitest';
import { PartitionTails } from './partition-tails.js';

function records(...ids: string[]): LogRecord[] {
  return ids.map((id) => create(LogRecordSchema, { id, operation: Operation.UPSERT }));
}

function positions(tails: PartitionTails, collectionId: string, from = 0n, to = 1_000n): bigint[] {
  return tails.pull(collectionId, from, to).map((b) => b.logPosition);
}

describe('PartitionTails', () => {
  it('keeps each collection’s batches in order, with gaps where others wrote', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(0n, 'a', records('1'), 10, 1000);
    tails.applyBatch(1n, 'b', records('2', '3'), 20, 1001);
    tails.applyBatch(2n, 'a', records('4'), 10, 1002);
    expect(positions(tails, 'a')).toEqual([0n, 2n]);
    expect(positions(tails, 'b')).toEqual([1n]);
    expect(tails.nextOffset).toBe(3n);
    expect(tails.sizeOf('a')).toEqual({ records: 2, bytes: 20 });
    expect(() => tails.applyBatch(2n, 'a', records('x'), 1, 0)).toThrow(/applied after/);
  });

  it('pulls half-open ranges and limits by whole batches', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(3n, 'a', records('1', '2', '3'), 1, 0);
    tails.applyBatch(7n, 'a', records('4', '5', '6'), 1, 0);
    tails.applyBatch(9n, 'a', records('7'), 1, 0);
    expect(positions(tails, 'a', 3n, 9n)).toEqual([3n, 7n]);
    expect(positions(tails, 'a', 4n, 10n)).toEqual([7n, 9n]);
    expect(positions(tails, 'a', 7n, 7n)).toEqual([]);
    expect(tails.pull('a', 0n, 100n, 4).map((b) => b.logPosition)).toEqual([3n, 7n]);
    expect(tails.pull('a', 0n, 100n, 3).map((b) => b.logPosition)).toEqual([3n]);
    expect(positions(tails, 'nobody')).toEqual([]);
  });

  it('drops batches below a cursor, never moves a cursor back, clamps it to its own offset', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(0n, 'a', records('1'), 5, 0);
    tails.applyBatch(1n, 'a', records('2'), 5, 0);
    tails.applyBatch(2n, 'a', records('3'), 5, 0);
    tails.applyCursor(3n, 'a', 2n);
    expect(positions(tails, 'a')).toEqual([2n]);
    expect(tails.cursorOf('a')).toBe(2n);
    tails.applyCursor(4n, 'a', 1n);
    expect(tails.cursorOf('a')).toBe(2n);
    tails.applyBatch(5n, 'a', records('4'), 5, 0);
    // A cursor beyond its own offset cannot cover batches written after it.
    tails.applyCursor(6n, 'a', 100n);
    expect(tails.cursorOf('a')).toBe(6n);
    tails.applyBatch(7n, 'a', records('5'), 5, 0);
    expect(positions(tails, 'a')).toEqual([7n]);
    expect(tails.sizeOf('a')).toEqual({ records: 1, bytes: 5 });
  });

  it('purges everything before the purge and starts a new tail after it', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(0n, 'a', records('1'), 1, 0);
    tails.applyBatch(1n, 'b', records('2'), 1, 0);
    tails.applyPurge(2n, 'a');
    expect(positions(tails, 'a')).toEqual([]);
    expect([...tails.tails()].map((t) => t.collectionId)).toEqual(['b']);
    tails.applyBatch(3n, 'a', records('3'), 1, 0);
    expect(positions(tails, 'a')).toEqual([3n]);
  });

  it('reports tails with first and end positions, counts and append time', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(4n, 'a', records('1', '2'), 1, 1234);
    tails.applyBatch(8n, 'a', records('3'), 1, 2000);
    const [tail] = [...tails.tails()];
    expect(tail).toMatchObject({
      collectionId: 'a',
      firstPosition: 4n,
      toPosition: 9n,
      recordCount: 3n,
      firstAppendedAtMs: 1234n,
    });
  });

  it('truncates only up to the oldest uncompacted batch, or the reader when all is compacted', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(0n, 'a', records('1'), 1, 0);
    tails.applyBatch(1n, 'b', records('2'), 1, 0);
    tails.applyBatch(2n, 'a', records('3'), 1, 0);
    expect(tails.truncationTarget()).toBe(0n);
    tails.applyCursor(3n, 'a', 2n);
    expect(tails.truncationTarget()).toBe(1n);
    tails.applyCursor(4n, 'b', 2n);
    expect(tails.truncationTarget()).toBe(2n);
    tails.applyPurge(5n, 'a');
    expect(tails.truncationTarget()).toBe(6n);
  });

  it('rebuilds the same state from a truncated log as the instance that truncated it', () => {
    const live = new PartitionTails(0n);
    const messages: ((t: PartitionTails) => void)[] = [];
    const log = (offset: bigint, apply: (t: PartitionTails) => void) => {
      messages[Number(offset)] = apply;
      apply(live);
    };
    log(0n, (t) => t.applyBatch(0n, 'a', records('1'), 1, 0));
    log(1n, (t) => t.applyBatch(1n, 'b', records('2'), 1, 0));
    log(2n, (t) => t.applyBatch(2n, 'a', records('3'), 1, 0));
    log(3n, (t) => t.applyCursor(3n, 'a', 2n));
    log(4n, (t) => t.applyCursor(4n, 'b', 2n));
    const target = live.truncationTarget();
    expect(target).toBe(2n);
    live.setLogStart(target);
    const rebuilt = new PartitionTails(target);
    for (let o = Number(target); o < messages.length; o++) messages[o]!(rebuilt);
    expect(positions(rebuilt, 'a')).toEqual(positions(live, 'a'));
    expect(positions(rebuilt, 'b')).toEqual([]);
    expect(rebuilt.cursorOf('a')).toBe(live.cursorOf('a'));
    expect(rebuilt.cursorOf('b')).toBe(live.cursorOf('b'));
    expect([...rebuilt.tails()]).toEqual([...live.tails()]);
  });

  it('jumps forward when the log start passes the reader, dropping what is below it', () => {
    const tails = new PartitionTails(0n);
    tails.applyBatch(0n, 'a', records('1'), 1, 0);
    tails.setLogStart(10n);
    expect(tails.nextOffset).toBe(10n);
    expect(positions(tails, 'a')).toEqual([]);
    expect(tails.cursorOf('a')).toBe(10n);
  });
});
