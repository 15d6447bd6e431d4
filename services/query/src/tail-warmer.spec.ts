import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { CollectionSchema, type Collection } from '@huedb/proto/catalog';
import { Operation, PositionedBatchSchema, type PositionedBatch } from '@huedb/proto/log';
import { embeddingToBytes } from '@huedb/core';
import { CollectionStateCache } from './collection-state.js';
import { QueryEngine } from './query.service.js';
import { TailWarmer } from './tail-warmer.js';
import type { TailSource } from './tail-reader.js';

const add = (id: string, x: number) => ({
  id,
  operation: Operation.ADD,
  embedding: embeddingToBytes(new Float32Array([x, 1])),
});

/** An in-memory log: batches by collection, pulled by range like the log service. */
class MemoryLog implements TailSource {
  readonly pulls: string[] = [];
  readonly batches = new Map<string, PositionedBatch[]>();
  failNext = false;
  push(collectionId: string, records: { id: string; operation: Operation }[]): void {
    const list = this.batches.get(collectionId) ?? [];
    list.push(create(PositionedBatchSchema, { logPosition: BigInt(list.length), records }));
    this.batches.set(collectionId, list);
  }
  end(collectionId: string): bigint {
    return BigInt(this.batches.get(collectionId)?.length ?? 0);
  }
  pull(collectionId: string, from: bigint, to: bigint): Promise<PositionedBatch[]> {
    this.pulls.push(`${collectionId}[${from},${to})`);
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('log unavailable'));
    }
    const list = this.batches.get(collectionId) ?? [];
    return Promise.resolve(list.filter((b) => b.logPosition >= from && b.logPosition < to));
  }
}

const row = (id: string, segmentManifestKey = ''): Collection =>
  create(CollectionSchema, { id, configurationJson: '{}', segmentManifestKey });

async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition();) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function setup(rows: Record<string, Collection>) {
  const log = new MemoryLog();
  const errors: unknown[] = [];
  const engine = new QueryEngine(new CollectionStateCache(log, undefined, 1 << 20));
  const warmer = new TailWarmer(engine, {
    rowOf: (id) => Promise.resolve(rows[id]),
    boundOf: (id) => Promise.resolve(log.end(id)),
    onError: (_id, err) => errors.push(err),
  });
  const query = (id: string, bound: bigint) =>
    engine.query({
      scope: { collection: rows[id]!, toPosition: bound },
      nResults: 10,
      queryEmbeddings: [embeddingToBytes(new Float32Array([0, 1]))],
      include: [],
    } as never);
  const ids = async (id: string, bound: bigint) =>
    (await query(id, bound)).results![0]!.records!.map((r) => r.id);
  return { log, errors, warmer, ids };
}

describe('TailWarmer', () => {
  it('applies written tails before any read, coalescing marks; reads pull only what came since', async () => {
    const { log, warmer, ids } = setup({ c: row('c') });
    log.push('c', [add('a', 1)]);
    warmer.written('c');
    log.push('c', [add('b', 2)]);
    warmer.written('c');
    await until(() => log.pulls.length > 0);
    await warmer.close();
    // Both marks in one turn of the event loop: one catch-up to the log's end.
    expect(log.pulls).toEqual(['c[0,2)']);
    expect(await ids('c', 2n)).toEqual(['a', 'b']);
    expect(log.pulls).toEqual(['c[0,2)']);
  });

  it('keeps reads exact: a write after the warm-up, a delete and an upsert are seen at their bound', async () => {
    const { log, warmer, ids } = setup({ c: row('c') });
    log.push('c', [add('a', 1), add('b', 2), add('c', 3)]);
    warmer.written('c');
    await until(() => log.pulls.length > 0);
    await new Promise((resolve) => setImmediate(resolve));
    // Acknowledged but not yet warmed when the read arrives: the read's own catch-up applies it.
    log.push('c', [{ id: 'a', operation: Operation.DELETE }]);
    log.push('c', [{ ...add('c', 0.5), operation: Operation.UPSERT }]);
    warmer.written('c');
    expect(await ids('c', 3n)).toEqual(['c', 'b']);
    await warmer.close();
    expect(await ids('c', 3n)).toEqual(['c', 'b']);
  });

  it('does not load a segment for a collection nobody read, skips gone ones, reports failures', async () => {
    const { log, errors, warmer, ids } = setup({ c: row('c'), s: row('s', 'manifests/s/1') });
    log.push('s', [add('a', 1)]);
    warmer.written('s');
    warmer.written('gone');
    log.push('c', [add('a', 1)]);
    log.failNext = true;
    warmer.written('c');
    await until(() => errors.length > 0);
    await warmer.close();
    expect(log.pulls).toEqual(['c[0,1)']);
    // The failed warm-up left nothing half applied: the read catches up itself.
    expect(await ids('c', 1n)).toEqual(['a']);
  });
});
