import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { CollectionSchema, type Collection } from '@huedb/proto/catalog';
import { Operation, PositionedBatchSchema, type PositionedBatch } from '@huedb/proto/log';
import { embeddingToBytes } from '@huedb/core';
import { CollectionStateCache } from './collection-state.js';
import type { TailSource } from './tail-reader.js';

const add = (id: string, x: number) => ({
  id,
  operation: Operation.ADD,
  embedding: embeddingToBytes(new Float32Array([x, 1])),
});
const batch = (logPosition: bigint, records: { id: string; operation: Operation }[]) =>
  create(PositionedBatchSchema, { logPosition, records });

/** Logs per collection id, served by range like the log service; `failing` ids throw once. */
class FakeTails implements TailSource {
  readonly pulls: string[] = [];
  constructor(
    private readonly logs: Record<string, PositionedBatch[]>,
    readonly failing = new Set<string>(),
  ) {}
  pull(collectionId: string, from: bigint, to: bigint): Promise<PositionedBatch[]> {
    this.pulls.push(`${collectionId}[${from},${to})`);
    if (this.failing.delete(collectionId)) return Promise.reject(new Error('log unavailable'));
    const batches = (this.logs[collectionId] ?? []).filter(
      (b) => b.logPosition >= from && b.logPosition < to,
    );
    return Promise.resolve(batches);
  }
}

const fork: Collection = create(CollectionSchema, {
  id: 'fork',
  configurationJson: '{}',
  parentTails: [{ collectionId: 'source', fromPosition: 10n, toPosition: 20n }],
});

describe('CollectionStateCache with parent tails (forks)', () => {
  const logs = {
    // 25 is the source's write after the fork point: not the fork's.
    source: [
      batch(5n, [add('compacted', 0)]),
      batch(12n, [add('a', 1), add('b', 2)]),
      batch(25n, [add('after-fork', 3)]),
    ],
    fork: [batch(0n, [add('own', 4)]), batch(3n, [{ id: 'a', operation: Operation.DELETE }])],
  };

  it('applies the parent range first, then the own tail, and counts both as unindexed', async () => {
    const tails = new FakeTails(logs);
    const states = new CollectionStateCache(tails, undefined, 1 << 20);
    const view = await states.read(fork, 10n);
    expect([...view.records()].map((r) => r.id)).toEqual(['b', 'own']);
    expect(await states.unindexedRecords(fork, 10n)).toBe(4);
    // The parent range is pulled once per view; later reads only catch the own tail up.
    await states.read(fork, 11n);
    expect(tails.pulls).toEqual(['source[10,20)', 'fork[0,10)', 'fork[10,11)']);
  });

  it('leaves no half-applied parent tail when a pull fails; the next read retries', async () => {
    const tails = new FakeTails(logs, new Set(['source']));
    const states = new CollectionStateCache(tails, undefined, 1 << 20);
    await expect(states.read(fork, 10n)).rejects.toThrow('log unavailable');
    const view = await states.read(fork, 10n);
    expect([...view.records()].map((r) => r.id)).toEqual(['b', 'own']);
    expect(await states.unindexedRecords(fork, 10n)).toBe(4);
  });

  it('index_only skips parent tails like the own tail', async () => {
    const states = new CollectionStateCache(new FakeTails(logs), undefined, 1 << 20);
    expect((await states.read(fork, 10n, true)).size).toBe(0);
  });
});
