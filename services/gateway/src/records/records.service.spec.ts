import { beforeEach, describe, expect, it } from 'vitest';
import {
  embeddingFromBytes,
  PRO_LIMITS,
  InvalidArgumentError,
  QuotaExceededError,
  UnprocessableEntityError,
  UNLIMITED_LIMITS,
  type Limits,
} from '@huedb/core';
import { Operation } from '@huedb/proto/log';
import { fakeBackends, FakeBackendState, SPEC_CONTEXT } from '../backends/fake-backends.js';
import { CollectionsService } from '../collections/collections.service.js';
import { loadGatewayConfig } from '../config.js';
import { RecordsService } from './records.service.js';
import { CollectionConcurrency } from '../plans/collection-concurrency.js';
import { CollectionSizes } from '../plans/collection-sizes.js';
import { fixedPlans, TenantPlans } from '../plans/tenant-plans.js';
import { UsageMeter } from '../usage/usage-meter.js';

const ctx = SPEC_CONTEXT;

describe('RecordsService', () => {
  let state: FakeBackendState;
  let id: string;
  const service = (limits: Limits = PRO_LIMITS) => {
    const backends = fakeBackends(state);
    const plans = new TenantPlans(fixedPlans(limits), backends);
    return new RecordsService(
      backends,
      new CollectionsService(backends, loadGatewayConfig({}), plans),
      plans,
      new CollectionSizes(),
      new CollectionConcurrency(),
      new UsageMeter(backends.control),
    );
  };

  beforeEach(() => {
    state = new FakeBackendState();
    id = state.addCollection('c');
  });

  it('logs a valid add as ADD records and fixes the collection dimension first', async () => {
    await service().add(ctx, id, {
      ids: ['a', 'b'],
      embeddings: [[1, 2], 'AACAPwAAAEA='],
      documents: ['x', null],
      metadatas: [{ k: 1, f: 1.5 }, {}],
    });
    const pushed = state.pushed(id);
    expect(pushed.map((r) => [r.id, r.operation, r.document])).toEqual([
      ['a', Operation.ADD, 'x'],
      ['b', Operation.ADD, undefined],
    ]);
    expect([...embeddingFromBytes(pushed[1]!.embedding!)]).toEqual([1, 2]);
    // An empty metadata on add stores none (reads back as null, as in Chroma).
    expect(pushed[1]!.metadata).toBeUndefined();
    expect(pushed[0]!.metadata?.entries.map((e) => e.key)).toEqual(['k', 'f']);
    expect(state.collections.get(id)!.dimension).toBe(2);
  });

  it("refuses invalid writes with core's (Chroma's) errors and logs nothing", async () => {
    state.collections.get(id)!.dimension = 2;
    const s = service();
    const cases: [string, unknown, new (m: string) => Error, string | RegExp][] = [
      [
        'add',
        { ids: [''], embeddings: [[1, 2]] },
        InvalidArgumentError,
        'Empty ID, ID must have at least one character',
      ],
      [
        'add',
        { ids: ['a', 'b'], embeddings: [[1, 2]] },
        InvalidArgumentError,
        'Inconsistent number of IDs, embeddings, documents, URIs and metadatas',
      ],
      [
        'upsert',
        { ids: ['a'], embeddings: [[1, 2, 3]] },
        InvalidArgumentError,
        'Collection expecting embedding with dimension of 2, got 3',
      ],
      [
        'add',
        { ids: ['a', 'b'], embeddings: [[1, 2], [1]] },
        InvalidArgumentError,
        'Inconsistent dimensions in provided embeddings',
      ],
      [
        'update',
        { ids: ['a'], metadatas: [{ $k: 1 }] },
        InvalidArgumentError,
        "Metadata key cannot start with '#' or '$': $k",
      ],
      ['add', { ids: ['a'] }, UnprocessableEntityError, /missing field `embeddings`/],
      [
        'add',
        { ids: Array.from({ length: 1001 }, (_, i) => `r${i}`), embeddings: [] },
        QuotaExceededError,
        "Quota exceeded: 'Number of records' exceeded quota limit for action 'Add': " +
          'current usage of 1001 exceeds limit of 1000',
      ],
      [
        'add',
        { ids: ['a'], embeddings: [[1, 2]], documents: ['x'.repeat(20_000)] },
        QuotaExceededError,
        /'Document size \(bytes\)' exceeded quota limit for action 'Add'/,
      ],
    ];
    for (const [op, body, type, message] of cases) {
      const call = s[op as 'add'](ctx, id, body);
      await expect(call, JSON.stringify(body).slice(0, 80)).rejects.toThrow(message);
      await expect(s[op as 'add'](ctx, id, body)).rejects.toBeInstanceOf(type);
    }
    expect(state.pushed(id)).toEqual([]);
  });

  it('an update with no field to change logs nothing', async () => {
    const s = service();
    await s.update(ctx, id, { ids: [] });
    expect(state.pushed(id)).toEqual([]);
    await s.update(ctx, id, { ids: ['a'], metadatas: [{}] });
    expect(state.pushed(id).map((r) => [r.id, r.operation, r.metadata])).toEqual([
      ['a', Operation.UPDATE, undefined],
    ]);
  });

  it("deletes as Chroma does: ids alone blindly, counted as given; a filter's matches exactly", async () => {
    const s = service();
    await expect(s.delete(ctx, id, { ids: [] })).rejects.toThrow(
      'Validation error: ids, where: Either ids or where must be specified',
    );
    await expect(s.delete(ctx, id, { limit: 1 })).rejects.toThrow(/limit can only be specified/);
    expect(await s.delete(ctx, id, {})).toEqual({ deleted: 0 });
    expect(await s.delete(ctx, id, { ids: ['x', 'x', ''] })).toEqual({ deleted: 3 });
    expect(state.pushed(id).map((r) => [r.id, r.operation])).toEqual([['x', Operation.DELETE]]);
    await s.add(ctx, id, { ids: ['a'], embeddings: [[1, 2]] });
    expect(await s.delete(ctx, id, { ids: ['a', 'nope'], where: { k: 1 } })).toEqual({
      deleted: 1,
    });
    expect(state.pushed(id).at(-1)).toMatchObject({ id: 'a', operation: Operation.DELETE });
  });

  it('reads at the log end the read started at, with the filter packed for the query node', async () => {
    const s = service();
    await s.add(ctx, id, { ids: ['a'], embeddings: [[1, 2]] });
    await s.get(ctx, id, { ids: [], where: { k: { $gt: 1 } } });
    expect(state.gets.at(-1)).toMatchObject({
      scope: { toPosition: 1n },
      filter: { ids: { ids: [] }, whereJson: '{"k":{"$gt":1}}' },
      include: { documents: true, metadatas: true, embeddings: false },
    });
    expect(await s.count(ctx, id, undefined)).toBe(1);
    await expect(s.count(ctx, id, 'bogus')).rejects.toThrow(/unknown variant `bogus`/);
  });

  it('checks query vectors against the dimension and the plan limits before asking a node', async () => {
    const s = service();
    await s.add(ctx, id, { ids: ['a'], embeddings: [[1, 2]] });
    await expect(s.query(ctx, id, { query_embeddings: [[1, 2, 3]] })).rejects.toThrow(
      'Collection expecting embedding with dimension of 2, got 3',
    );
    await expect(s.query(ctx, id, { query_embeddings: [[1, 2]], n_results: 301 })).rejects.toThrow(
      "Quota exceeded: 'Number of results' exceeded quota limit for action 'Query'",
    );
    // `where` and `where_document` are limited separately (8 predicates each, hosted).
    const where = { $and: Array.from({ length: 8 }, (_, i) => ({ k: i })) };
    const whereDocument = { $and: Array.from({ length: 8 }, () => ({ $contains: 'x' })) };
    await s.query(ctx, id, { query_embeddings: [[1, 2]], where, where_document: whereDocument });
    expect(state.queries).toHaveLength(1);
    const nine = { $and: Array.from({ length: 9 }, (_, i) => ({ k: i })) };
    await expect(s.get(ctx, id, { where: nine })).rejects.toThrow(
      "'Number of where clause predicates' exceeded quota limit for action 'Get'",
    );
    // Unlimited (single-node, `chroma run`): none of these limits.
    await service(UNLIMITED_LIMITS).get(ctx, id, { where: nine });
  });

  it('answers 404 for a collection of another database', async () => {
    await expect(
      service().add({ ...ctx, database: 'other' }, id, { ids: ['a'], embeddings: [[1]] }),
    ).rejects.toThrow(/Database other not found/);
  });
});
