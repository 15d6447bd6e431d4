import { codeName, RpcError } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';

/** Splits settled results into values and the codes of RpcErrors (anything else fails). */
function outcomes<T>(results: PromiseSettledResult<T>[]): { won: T[]; codes: string[] } {
  const won: T[] = [];
  const codes: string[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') won.push(r.value);
    else if (r.reason instanceof RpcError) codes.push(codeName(r.reason.code));
    else throw r.reason;
  }
  return { won, codes };
}

describe.each(DRIVER_KINDS)('catalog under concurrent callers on %s', (kind) => {
  const t = useTestCatalog(kind, 'catalog_race');
  const { client } = t;
  let n = 0;

  async function scope(): Promise<{ tenant: string; database: string }> {
    const tenant = `race-${++n}`;
    await client.createTenant({ name: tenant });
    await client.createDatabase({ tenant, name: 'db' });
    return { tenant, database: 'db' };
  }

  it('lets exactly one of several RegisterCompaction calls with the same expected version win', async () => {
    const s = await scope();
    const { collection } = await client.createCollection({ ...s, name: 'cas' });
    const id = collection!.id;
    for (let version = 0n; version < 10n; version++) {
      const results = await Promise.allSettled(
        [0, 1, 2, 3].map((contender) =>
          client.registerCompaction({
            collectionId: id,
            expectedVersion: version,
            logPosition: version * 10n + BigInt(contender),
            manifestKey: `v${version + 1n}/c${contender}`,
            recordCount: 1n,
          }),
        ),
      );
      const { won, codes } = outcomes(results);
      expect(won).toHaveLength(1);
      expect(codes).toEqual(['FAILED_PRECONDITION', 'FAILED_PRECONDITION', 'FAILED_PRECONDITION']);
      expect(won[0]!.collection?.version).toBe(version + 1n);
    }
    const { collection: final } = await client.getCollection({
      ...s,
      selector: { case: 'id', value: id },
    });
    expect(final?.version).toBe(10n);
    const { versions } = await client.listSegmentVersions({ collectionId: id });
    expect(versions.map((v) => v.version)).toEqual([10n, 9n, 8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n]);
    // The winner's manifest and position are the collection's: row and history agree.
    expect(versions[0]!.manifestKey).toBe(final?.segmentManifestKey);
    expect(versions[0]!.logPosition).toBe(final?.logPosition);
  });

  it('creates one collection for many concurrent get_or_create calls of one name', async () => {
    const s = await scope();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        client.createCollection({ ...s, name: 'shared', getOrCreate: true }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.collection?.id)).size).toBe(1);
    expect((await client.countCollections(s)).count).toBe(1n);
  });

  it('answers ALREADY_EXISTS to all but one of concurrent creates of one name', async () => {
    const s = await scope();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => client.createCollection({ ...s, name: 'once' })),
    );
    const { won, codes } = outcomes(results);
    expect(won).toHaveLength(1);
    expect(codes).toEqual(Array.from({ length: 7 }, () => 'ALREADY_EXISTS'));
  });

  it('fixes one dimension when first writes race', async () => {
    const s = await scope();
    const { collection } = await client.createCollection({ ...s, name: 'dim' });
    const dims = [3, 5, 7, 11, 13, 17];
    const results = await Promise.all(
      dims.map((dimension) => client.setCollectionDimension({ id: collection!.id, dimension })),
    );
    const winner = results[0]!.dimension;
    expect(dims).toContain(winner);
    expect(results.every((r) => r.dimension === winner)).toBe(true);
  });

  it('leaves no live collection in a database deleted while collections were being created', async () => {
    for (let round = 0; round < 5; round++) {
      const s = await scope();
      const creates = Array.from({ length: 6 }, (_, i) =>
        client.createCollection({ ...s, name: `c${i}` }),
      );
      const deletion = client.deleteDatabase({ tenant: s.tenant, name: s.database });
      const [deleted, created] = await Promise.all([deletion, Promise.allSettled(creates)]);
      const { won, codes } = outcomes(created);
      expect(codes.every((c) => c === 'NOT_FOUND')).toBe(true);
      // Every collection that was created was deleted with the database.
      expect(new Set(deleted.deletedCollectionIds)).toEqual(
        new Set(won.map((w) => w.collection!.id)),
      );
      const orphans = await t.catalog.driver.query(
        `SELECT c.id FROM collections c JOIN databases d ON d.id = c.database_id
          WHERE d.tenant = $1 AND d.deleted_at IS NOT NULL AND c.deleted_at IS NULL`,
        [s.tenant],
      );
      expect(orphans).toEqual([]);
    }
  });

  it('keeps a name unique while create and delete of it race', async () => {
    const s = await scope();
    await client.createCollection({ ...s, name: 'flip' });
    const ops = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0
        ? client.deleteCollection({ ...s, name: 'flip' })
        : client.createCollection({ ...s, name: 'flip' }),
    );
    const { codes } = outcomes(await Promise.allSettled(ops));
    expect(codes.every((c) => c === 'NOT_FOUND' || c === 'ALREADY_EXISTS')).toBe(true);
    const live = await t.catalog.driver.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM collections c JOIN databases d ON d.id = c.database_id
        WHERE d.tenant = $1 AND c.name = 'flip' AND c.deleted_at IS NULL`,
      [s.tenant],
    );
    expect(live[0]!.n).toBeLessThanOrEqual(1);
  });
});
