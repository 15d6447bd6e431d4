import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionSchema, type Collection } from '@huedb/proto/catalog';
import { LogService, Operation, type LogRecord } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { Code, inProcessClient, RpcError, type ServiceClient } from '@huedb/grpc';
import {
  embeddingFromBytes,
  embeddingToBytes,
  metadataFromProto,
  metadataToProto,
} from '@huedb/core';
import { SegmentCache, uploadSegment, writeSegment, type SegmentRecord } from '@huedb/index';
import { createLogHandlers } from '@huedb/log';
import { createFsObjectStore, type ObjectStore } from '@huedb/storage';
import { LocalWal } from '@huedb/wal/local';
import { CollectionStateCache } from './collection-state.js';
import { createQueryHandlers } from './query.grpc.js';
import { QueryEngine } from './query.service.js';
import { LogTailSource } from './tail-reader.js';

const quiet = { info: () => {}, warn: () => {} };
const vector = (...xs: number[]) => embeddingToBytes(new Float32Array(xs));
const segmentRecord = (id: string, x: number, tag = 'old'): SegmentRecord => ({
  id,
  embedding: new Float32Array([x, 0]),
  document: `doc ${id}`,
  uri: null,
  metadata: { tag },
});
const tagIs = (value: string) => ({ whereJson: JSON.stringify({ tag: value }) });

/**
 * The query node's read path on its real collaborators: a local WAL behind the log service's
 * handlers (in-process gRPC), segments written by the segment writer into a filesystem object
 * store and opened through the segment cache, and the engine behind its own gRPC handlers.
 */
describe('QueryEngine over a segment and a log tail', () => {
  let dir: string;
  let wal: LocalWal;
  let log: ServiceClient<typeof LogService>;
  let store: ObjectStore;
  let n = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'huedb-query-spec-'));
    wal = await LocalWal.open({ dir: path.join(dir, 'wal'), logger: quiet });
    log = inProcessClient(LogService, createLogHandlers(wal));
    store = createFsObjectStore({ root: path.join(dir, 'objects') });
  });

  afterAll(async () => {
    await wal?.close();
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A query node with its own caches (a fresh process, as far as reads are concerned). */
  const queryNode = () => {
    const segments = new SegmentCache(store, path.join(dir, `cache-${++n}`), 1 << 30);
    const states = new CollectionStateCache(new LogTailSource(() => [log]), segments, 1 << 26);
    return inProcessClient(QueryService, createQueryHandlers(new QueryEngine(states)));
  };

  /**
   * A collection compacted to a segment holding `records`, whose tail starts at the log's current
   * end: what the catalog row looks like right after a compaction.
   */
  async function compacted(records: SegmentRecord[]): Promise<Collection> {
    const id = `c${++n}`;
    const built = path.join(dir, `build-${id}`);
    await writeSegment(built, records, {
      space: 'l2',
      dimension: 2,
      maxNeighbors: 16,
      efConstruction: 100,
    });
    const manifestKey = await uploadSegment(store, built, `collections/${id}/v1`);
    const { toPosition } = await log.scoutLogs({ collectionId: id });
    return create(CollectionSchema, {
      id,
      name: id,
      tenant: 't',
      databaseId: 'd',
      configurationJson: '{}',
      dimension: 2,
      version: 1n,
      logPosition: toPosition,
      segmentManifestKey: manifestKey,
    });
  }

  const push = async (collectionId: string, records: Partial<LogRecord>[]) => {
    await log.pushLogs({ collectionId, records: records as LogRecord[] });
    return (await log.scoutLogs({ collectionId })).toPosition;
  };

  /** Segment [a(1), b(2), c(3)]; tail: b moved to 10 and retagged, c deleted, d(0.5) added. */
  async function segmentPlusTail() {
    const collection = await compacted([
      segmentRecord('a', 1),
      segmentRecord('b', 2),
      segmentRecord('c', 3),
    ]);
    const id = collection.id;
    await push(id, [{ id: 'b', operation: Operation.UPDATE, embedding: vector(5, 0) }]);
    const toPosition = await push(id, [
      // The later batch wins over the earlier one and over the segment.
      {
        id: 'b',
        operation: Operation.UPSERT,
        embedding: vector(10, 0),
        metadata: metadataToProto({ tag: 'new' }),
      },
      { id: 'c', operation: Operation.DELETE },
      { id: 'd', operation: Operation.ADD, embedding: vector(0.5, 0), document: 'doc d' },
    ]);
    return { collection, scope: { collection, toPosition } };
  }

  it('get merges segment and tail: newer tail records override, deletes hide', async () => {
    const { scope } = await segmentPlusTail();
    const query = queryNode();
    const { records } = await query.get({
      scope,
      include: { embeddings: true, metadatas: true, documents: true },
    });
    const byId = Object.fromEntries(records.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['a', 'b', 'd']);
    expect([...embeddingFromBytes(byId.b!.embedding!)]).toEqual([10, 0]);
    expect(metadataFromProto(byId.b!.metadata!)).toEqual({ tag: 'new' });
    // An upsert that set no document keeps the segment's.
    expect(byId.b!.document).toBe('doc b');
    expect((await query.count({ scope })).count).toBe(3n);
    // A filter sees the tail's metadata, not the segment's.
    const filtered = await query.get({ scope, filter: tagIs('new') });
    expect(filtered.records.map((r) => r.id)).toEqual(['b']);
    const old = await query.get({ scope, filter: tagIs('old') });
    expect(old.records.map((r) => r.id)).toEqual(['a']);
  });

  it('knn never returns a deleted or superseded segment vector', async () => {
    const { scope } = await segmentPlusTail();
    const query = queryNode();
    const { results } = await query.query({
      scope,
      queryEmbeddings: [vector(3, 0), vector(10, 0)],
      nResults: 2,
      include: { distances: true },
    });
    // Near 3: c (deleted) and b's old vector at 2 are gone; a at 1 and d at 0.5 remain.
    expect(results[0]!.records.map((r) => [r.id, r.distance])).toEqual([
      ['a', 4],
      ['d', 6.25],
    ]);
    // Near 10: b's tail vector, at distance 0 (its segment vector would be 64 away).
    expect(results[1]!.records.map((r) => [r.id, r.distance])[0]).toEqual(['b', 0]);
  });

  it('reads at an older bound and index_only see the segment without the newer tail', async () => {
    const { collection, scope } = await segmentPlusTail();
    const query = queryNode();
    const atCompaction = { collection, toPosition: collection.logPosition };
    expect((await query.count({ scope: atCompaction })).count).toBe(3n);
    const indexOnly = await query.get({
      scope: { ...scope, indexOnly: true },
      include: { embeddings: true },
    });
    expect(indexOnly.records.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect([...embeddingFromBytes(indexOnly.records[1]!.embedding!)]).toEqual([2, 0]);
    // The same node then catches up to the newer bound incrementally.
    expect((await query.count({ scope })).count).toBe(3n);
    expect((await query.get({ scope })).records.map((r) => r.id).sort()).toEqual(['a', 'b', 'd']);
    expect(
      (await query.indexingStatus({ scope })).unindexedRecords,
      'the two tail batches hold four records',
    ).toBe(4n);
  });

  it('maps errors to their gRPC codes with the messages the gateway passes on', async () => {
    const { collection, scope } = await segmentPlusTail();
    const query = queryNode();
    await expect(query.count({})).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect(
      query.query({ scope, queryEmbeddings: [vector(1, 2, 3)], nResults: 1 }),
    ).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
      message: expect.stringContaining(
        'Collection expecting embedding with dimension of 2, got 3',
      ) as unknown,
    });
    // The segment version was garbage-collected: NOT_FOUND, so the gateway refreshes the row.
    const gone = {
      ...scope,
      collection: { ...collection, segmentManifestKey: 'nowhere/manifest.json' },
    };
    const err = await query.count({ scope: gone }).catch((e: unknown) => e);
    expect(RpcError.is(err, Code.NOT_FOUND), String(err)).toBe(true);
  });

  it('answers NOT_FOUND when the log was compacted past the row it reads from', async () => {
    const { collection, scope } = await segmentPlusTail();
    // A compaction elsewhere moved the log's cursor past this (stale) row's log position.
    await wal.advanceCursor(collection.id, scope.toPosition);
    const err = await queryNode()
      .count({ scope })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.NOT_FOUND), String(err)).toBe(true);
    expect((err as Error).message).toContain('moved to a newer segment version');
  });
});
