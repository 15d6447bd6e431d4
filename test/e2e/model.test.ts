import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CollectionModel } from '@huedb/core';
import { chromaClient, collectionName, DB, http } from './support.js';
import { REGRESSIONS, type Op } from './model.regressions.js';

/**
 * Model-based test: random sequences of add/upsert/update/delete/get/query/count run against the
 * cluster and against the in-memory reference model of Chroma's semantics (@huedb/core), and
 * every read must agree. Raw HTTP, so nulls (which the JS client drops) are exercised too.
 * A failing sequence goes into model.regressions.ts (as the operations fast-check printed) and is
 * replayed first, forever: operations rather than a seed, so a change to the arbitraries cannot
 * silently turn a regression case into a different sequence.
 */
const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const idsArb = fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 4 });
// Id filters of reads and deletes, empty lists included: `ids: []` admits no record (and alone
// it makes a delete a 400), which must never be read as "no id filter".
const idFilterArb = fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 0, maxLength: 3 });
const vectorArb = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }));
const scalarArb = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', 'y'), fc.boolean());
// `__proto__` is an ordinary key in Chroma: it must be stored, merged and filtered like `k`.
const KEYS = ['k', 'j', '__proto__'];
const metadataArb = fc.option(fc.dictionary(fc.constantFrom(...KEYS), scalarArb, { maxKeys: 3 }), {
  nil: null,
});
const updateMetadataArb = fc.option(
  fc.dictionary(fc.constantFrom(...KEYS), fc.option(scalarArb, { nil: null }), { maxKeys: 3 }),
  { nil: null },
);
const documentArb = fc.option(fc.constantFrom('red apple', 'green pear', 'red pear'), {
  nil: null,
});
const whereArb = fc.oneof(
  fc.record({ k: scalarArb }),
  fc.record({ ['__proto__']: scalarArb }),
  fc.record({ ['__proto__']: fc.record({ $ne: scalarArb }) }),
  fc.record({ k: fc.record({ $ne: scalarArb }) }),
  fc.record({ j: fc.record({ $gte: fc.integer({ min: 0, max: 3 }) }) }),
  fc.record({
    k: fc.record({
      $in: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
    }),
  }),
  fc.record({
    k: fc.record({
      $nin: fc.uniqueArray(fc.constantFrom('x', 'y'), { minLength: 1, maxLength: 2 }),
    }),
  }),
);
const whereDocumentArb = fc.oneof(
  fc.record({ $contains: fc.constantFrom('red', 'pear') }),
  fc.record({ $not_contains: fc.constantFrom('apple', 'green') }),
);

const sized = <T>(ids: string[], arb: fc.Arbitrary<T>) =>
  fc.array(arb, { minLength: ids.length, maxLength: ids.length });
const writeArb = (kind: 'add' | 'upsert') =>
  idsArb.chain((ids) =>
    fc.record({
      kind: fc.constant(kind),
      ids: fc.constant(ids),
      embeddings: sized(ids, vectorArb),
      documents: sized(ids, documentArb),
      metadatas: sized(ids, kind === 'add' ? metadataArb : updateMetadataArb),
    }),
  );
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: writeArb('add') },
  { weight: 2, arbitrary: writeArb('upsert') },
  {
    weight: 2,
    arbitrary: idsArb.chain((ids) =>
      fc.record({
        kind: fc.constant('update' as const),
        ids: fc.constant(ids),
        embeddings: sized(ids, fc.option(vectorArb, { nil: null })),
        documents: sized(ids, documentArb),
        metadatas: sized(ids, updateMetadataArb),
      }),
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: idsArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), where: whereArb }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { kind: fc.constant('delete' as const), ids: idFilterArb, where: whereArb },
      { requiredKeys: ['kind'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('get' as const),
        ids: idFilterArb,
        where: whereArb,
        whereDocument: whereDocumentArb,
        limit: fc.integer({ min: 0, max: 4 }),
        offset: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ['kind'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('query' as const),
        vector: vectorArb,
        n: fc.integer({ min: 1, max: 7 }),
        ids: idFilterArb,
        where: whereArb,
      },
      { requiredKeys: ['kind', 'vector', 'n'] },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'count' as const }) },
);

async function runSequence(ops: Op[]): Promise<void> {
  const collection = await chromaClient().createCollection({
    name: collectionName('model'),
    embeddingFunction: null,
  });
  const base = `${DB}/collections/${collection.id}`;
  const model = new CollectionModel({ space: 'l2' });
  const include = ['documents', 'metadatas', 'embeddings'];
  for (const [step, op] of ops.entries()) {
    const where = `step ${step}: ${JSON.stringify(op)}`;
    switch (op.kind) {
      case 'add':
      case 'upsert':
      case 'update': {
        const body = {
          ids: op.ids,
          embeddings: op.embeddings,
          documents: op.documents,
          metadatas: op.metadatas,
        };
        const res = await http('POST', `${base}/${op.kind}`, body);
        expect(res.status, where).toBe(op.kind === 'add' ? 201 : 200);
        if (op.kind === 'add') model.add(body as never);
        else if (op.kind === 'upsert') model.upsert(body as never);
        else model.update(body as never);
        break;
      }
      case 'delete': {
        const res = await http('POST', `${base}/delete`, { ids: op.ids, where: op.where });
        let expected: unknown;
        try {
          expected = { deleted: model.delete({ ids: op.ids, where: op.where }) };
        } catch (err) {
          expected = { error: 'InvalidArgumentError', message: (err as Error).message };
        }
        expect(res.body, where).toEqual(expected);
        break;
      }
      case 'get': {
        const res = await http('POST', `${base}/get`, {
          ids: op.ids,
          where: op.where,
          where_document: op.whereDocument,
          limit: op.limit,
          offset: op.offset,
          include,
        });
        const expected = model.get({
          ids: op.ids,
          where: op.where,
          whereDocument: op.whereDocument,
          limit: op.limit,
          offset: op.offset,
          include: include as never,
        });
        expect(res.body, where).toEqual(expected);
        break;
      }
      case 'query': {
        const res = await http('POST', `${base}/query`, {
          query_embeddings: [op.vector],
          n_results: op.n,
          ids: op.ids,
          where: op.where,
        });
        const expected = model.query({
          embeddings: [op.vector],
          nResults: op.n,
          ids: op.ids,
          where: op.where,
        });
        const body = res.body as { ids: string[][]; distances: number[][] };
        if (model.count() === 0 && res.status !== 200) break; // no dimension yet: nothing to compare
        expect(body.ids, where).toEqual(expected.ids);
        expect(body.distances?.[0]?.length, where).toBe(expected.distances?.[0]?.length);
        body.distances?.[0]?.forEach((d, i) =>
          expect(d, where).toBeCloseTo(expected.distances![0]![i]!, 4),
        );
        break;
      }
      case 'count': {
        expect((await http('GET', `${base}/count`)).body, where).toBe(model.count());
        break;
      }
    }
  }
  // Whatever happened, the final state must be identical.
  const final = await http('POST', `${base}/get`, { include });
  expect(final.body).toEqual(model.get({ include: include as never }));
}

describe('cluster vs reference model (fast-check)', () => {
  for (const regression of REGRESSIONS) {
    if (regression.divergence === undefined) {
      it(`regression: ${regression.note}`, async () => {
        await runSequence(regression.ops);
      });
    } else {
      it.fails(
        `regression, known divergence (${regression.divergence}): ${regression.note}`,
        async () => {
          await runSequence(regression.ops);
        },
      );
    }
  }

  it('random operation sequences agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), runSequence),
      {
        numRuns: Number(process.env.HUEDB_MODEL_RUNS ?? 40),
        endOnFailure: true,
      },
    );
  });
});
