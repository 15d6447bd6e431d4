import { randomUUID } from 'node:crypto';
import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode, meta, metadataInit } from './support/rpc.js';

/** Forks, lineage, log retention and reference-aware segment GC (docs/decisions/0007-fork.md). */
describe.each(DRIVER_KINDS)('catalog forks on %s', (kind) => {
  const { client, fresh, scope } = useTestCatalog(kind, 'catalog_fork');

  /** A collection compacted once to `logPosition` with manifest `key`. */
  async function compacted(
    s: { tenant: string; database: string },
    name: string,
    key: string,
    logPosition = 10n,
  ) {
    const { collection } = await client.createCollection({
      ...s,
      name,
      metadata: metadataInit({ team: meta.str('x') }),
      configurationJson: '{"hnsw":{"space":"cosine"}}',
      schemaJson: '{"keys":{}}',
    });
    await client.setCollectionDimension({ id: collection!.id, dimension: 3 });
    const { collection: row } = await client.registerCompaction({
      collectionId: collection!.id,
      expectedVersion: 0n,
      logPosition,
      manifestKey: key,
      recordCount: 4n,
      recordsCompacted: 6n,
    });
    return row!;
  }

  it('forks copy-on-write: same fields and manifest, version 0, the source tail as parent tail', async () => {
    const s = await scope();
    const source = await compacted(s, 'src', 'tenants/t/src/v1/manifest.json');
    const { collection: fork } = await client.forkCollection({
      ...s,
      sourceId: source.id,
      newName: 'fork',
      sourceLogEnd: 25n,
    });
    expect(fork).toMatchObject({
      name: 'fork',
      tenant: s.tenant,
      database: s.database,
      metadata: metadataInit({ team: meta.str('x') }),
      configurationJson: '{"hnsw":{"space":"cosine"}}',
      schemaJson: '{"keys":{}}',
      dimension: 3,
      version: 0n,
      logPosition: 0n,
      segmentManifestKey: 'tenants/t/src/v1/manifest.json',
      compactedRecords: 6n,
      parentTails: [{ collectionId: source.id, fromPosition: 10n, toPosition: 25n }],
    });
    expect(fork!.id).not.toBe(source.id);
    // The fork's reference to the source's manifest is a version of its own, for GC to see.
    const { versions } = await client.listSegmentVersions({ collectionId: fork!.id });
    expect(versions.map((v) => [v.version, v.manifestKey, v.recordCount])).toEqual([
      [0n, 'tenants/t/src/v1/manifest.json', 4n],
    ]);
    // The source is unchanged.
    const again = await client.getCollection({ ...s, selector: { case: 'id', value: source.id } });
    expect(again.collection).toMatchObject({ version: 1n, logPosition: 10n, parentTails: [] });
  });

  it('answers ALREADY_EXISTS, NOT_FOUND and INVALID_ARGUMENT like CreateCollection', async () => {
    const s = await scope();
    const source = await compacted(s, 'src', 'k1');
    const other = await scope();
    const fork = (req: Partial<{ sourceId: string; newName: string; database: string }>) =>
      client.forkCollection({ ...s, sourceId: source.id, newName: 'f', sourceLogEnd: 0n, ...req });
    await expectCode(
      fork({ newName: 'src' }),
      Code.ALREADY_EXISTS,
      'Collection [src] already exists',
    );
    const missing = randomUUID();
    await expectCode(
      fork({ sourceId: missing }),
      Code.NOT_FOUND,
      `Collection [${missing}] does not exist`,
    );
    await expectCode(
      client.forkCollection({ ...other, sourceId: source.id, newName: 'f', sourceLogEnd: 0n }),
      Code.NOT_FOUND,
    );
    await expectCode(fork({ database: 'nope' }), Code.NOT_FOUND, 'Database [nope] not found');
    await expectCode(fork({ sourceId: 'x' }), Code.INVALID_ARGUMENT);
    await expectCode(fork({ newName: '' }), Code.INVALID_ARGUMENT);
    // A deleted source cannot be forked.
    await client.deleteCollection({ ...s, name: 'src' });
    await expectCode(fork({}), Code.NOT_FOUND);
  });

  it('a fork of an uncompacted collection has no segment; a fork at the log end has no tail', async () => {
    const s = await scope();
    const { collection: empty } = await client.createCollection({ ...s, name: 'empty' });
    const { collection: a } = await client.forkCollection({
      ...s,
      sourceId: empty!.id,
      newName: 'a',
      sourceLogEnd: 7n,
    });
    expect(a).toMatchObject({ version: 0n, segmentManifestKey: '', compactedRecords: 0n });
    expect(a!.parentTails).toEqual([
      expect.objectContaining({ collectionId: empty!.id, fromPosition: 0n, toPosition: 7n }),
    ]);
    expect((await client.listSegmentVersions({ collectionId: a!.id })).versions).toEqual([]);
    // A compaction past the scouted end (it won the race) leaves nothing to read from the log.
    const source = await compacted(s, 'src', 'k2', 50n);
    const { collection: b } = await client.forkCollection({
      ...s,
      sourceId: source.id,
      newName: 'b',
      sourceLogEnd: 40n,
    });
    expect(b!.parentTails).toEqual([]);
  });

  it('a fork of a fork inherits its parent tails; the count is the whole tree, live forks only', async () => {
    const s = await scope();
    const root = await compacted(s, 'root', 'kr');
    const { collection: f1 } = await client.forkCollection({
      ...s,
      sourceId: root.id,
      newName: 'f1',
      sourceLogEnd: 20n,
    });
    const { collection: f2 } = await client.forkCollection({
      ...s,
      sourceId: f1!.id,
      newName: 'f2',
      sourceLogEnd: 5n,
    });
    expect(f2!.parentTails.map((t) => [t.collectionId, t.fromPosition, t.toPosition])).toEqual([
      [root.id, 10n, 20n],
      [f1!.id, 0n, 5n],
    ]);
    expect(f2!.segmentManifestKey).toBe('kr');
    await client.forkCollection({ ...s, sourceId: root.id, newName: 'f3', sourceLogEnd: 0n });
    const count = async (id: string) => (await client.countForks({ ...s, id })).count;
    for (const id of [root.id, f1!.id, f2!.id]) expect(await count(id)).toBe(3n);
    const { collection: lone } = await client.createCollection({ ...s, name: 'lone' });
    expect(await count(lone!.id)).toBe(0n);
    await client.deleteCollection({ ...s, name: 'f3' });
    expect(await count(root.id)).toBe(2n);
    // The root's deletion leaves the rest of the tree counted.
    await client.deleteCollection({ ...s, name: 'root' });
    expect(await count(f2!.id)).toBe(2n);
    await expectCode(client.countForks({ ...s, id: root.id }), Code.NOT_FOUND);
  });

  it('keeps the source log for live forks until they compact; a delete says so', async () => {
    const s = await scope();
    const source = await compacted(s, 'src', 'k1');
    const retention = async (id: string) =>
      (await client.getLogRetention({ collectionId: id })).retainFrom;
    expect(await retention(source.id)).toBeUndefined();
    const { collection: a } = await client.forkCollection({
      ...s,
      sourceId: source.id,
      newName: 'a',
      sourceLogEnd: 30n,
    });
    // The source compacts further; the fork still needs [10, 30).
    await client.registerCompaction({
      collectionId: source.id,
      expectedVersion: 1n,
      logPosition: 40n,
      manifestKey: 'k2',
      recordCount: 5n,
    });
    const { collection: b } = await client.forkCollection({
      ...s,
      sourceId: source.id,
      newName: 'b',
      sourceLogEnd: 45n,
    });
    expect(b!.parentTails[0]).toMatchObject({ fromPosition: 40n, toPosition: 45n });
    expect(await retention(source.id)).toBe(10n);
    const pending = (await client.listPendingForks({ limit: 1000 })).collectionIds;
    expect(pending).toEqual(expect.arrayContaining([a!.id, b!.id]));

    // Its first compaction folds the parent tail into the fork's own segment.
    const { collection: compactedA } = await client.registerCompaction({
      collectionId: a!.id,
      expectedVersion: 0n,
      logPosition: 0n,
      manifestKey: 'ka1',
      recordCount: 5n,
      recordsCompacted: 3n,
    });
    expect(compactedA).toMatchObject({ version: 1n, parentTails: [], compactedRecords: 9n });
    expect(await retention(source.id)).toBe(40n);
    expect((await client.listPendingForks({ limit: 1000 })).collectionIds).not.toContain(a!.id);

    // Deleting the source while b still reads its log: the log must not be purged.
    expect(await client.deleteCollection({ ...s, name: 'src' })).toMatchObject({
      id: source.id,
      logRetained: true,
    });
    expect(await retention(source.id)).toBe(40n);
    // Once b is gone too, nothing holds the log.
    expect(await client.deleteCollection({ ...s, name: 'b' })).toMatchObject({
      logRetained: false,
    });
    expect(await retention(source.id)).toBeUndefined();
    await expectCode(client.listPendingForks({ limit: 0 }), Code.INVALID_ARGUMENT);
  });

  it('names a shared manifest unreferenced only when its last live holder forgets it', async () => {
    const s = await scope();
    const source = await compacted(s, 'src', 'm-src-1');
    const { collection: fork } = await client.forkCollection({
      ...s,
      sourceId: source.id,
      newName: 'fork',
      sourceLogEnd: 10n,
    });
    const forget = (collectionId: string, belowVersion: bigint) =>
      client.deleteSegmentVersions({ collectionId, belowVersion });
    // The source moves on and forgets its v1: the fork still reads it, so it is kept.
    await client.registerCompaction({
      collectionId: source.id,
      expectedVersion: 1n,
      logPosition: 20n,
      manifestKey: 'm-src-2',
      recordCount: 1n,
    });
    expect(await forget(source.id, 2n)).toMatchObject({
      deleted: 1n,
      unreferencedManifestKeys: [],
    });
    // The fork moves on: now nobody references the source's v1.
    await client.registerCompaction({
      collectionId: fork!.id,
      expectedVersion: 0n,
      logPosition: 5n,
      manifestKey: 'm-fork-1',
      recordCount: 1n,
    });
    expect(await forget(fork!.id, 1n)).toMatchObject({
      deleted: 1n,
      unreferencedManifestKeys: ['m-src-1'],
    });

    // The other order, and a deleted holder: references of deleted collections do not count.
    const { collection: fork2 } = await client.forkCollection({
      ...s,
      sourceId: fork!.id,
      newName: 'fork2',
      sourceLogEnd: 5n,
    });
    await client.registerCompaction({
      collectionId: fork2!.id,
      expectedVersion: 0n,
      logPosition: 0n,
      manifestKey: 'm-fork2-1',
      recordCount: 1n,
    });
    expect(await forget(fork2!.id, 1n)).toMatchObject({ unreferencedManifestKeys: [] });
    await client.deleteCollection({ ...s, name: 'fork' });
    expect(await forget(fork!.id, 100n)).toMatchObject({
      deleted: 1n,
      unreferencedManifestKeys: ['m-fork-1'],
    });
  });

  it('forgetting a shared manifest from both holders at once deletes it exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const s = await scope();
      const source = await compacted(s, 'src', `shared-${round}`);
      const { collection: fork } = await client.forkCollection({
        ...s,
        sourceId: source.id,
        newName: 'fork',
        sourceLogEnd: 10n,
      });
      for (const [id, version, key] of [
        [source.id, 1n, 'a'],
        [fork!.id, 0n, 'b'],
      ] as const) {
        await client.registerCompaction({
          collectionId: id,
          expectedVersion: version,
          logPosition: 50n,
          manifestKey: `${key}-${round}`,
          recordCount: 1n,
        });
      }
      const results = await Promise.all([
        client.deleteSegmentVersions({ collectionId: source.id, belowVersion: 2n }),
        client.deleteSegmentVersions({ collectionId: fork!.id, belowVersion: 1n }),
      ]);
      expect(results.flatMap((r) => r.unreferencedManifestKeys)).toEqual([`shared-${round}`]);
    }
  });

  it('finds a collection by resource name, or by tenant name when no tenant has that resource name', async () => {
    const s = await scope();
    const { collection } = await client.createCollection({ ...s, name: 'named' });
    const rn = fresh('rn');
    await client.updateTenant({ name: s.tenant, resourceName: rn });
    const byCrn = (tenantResourceName: string, database = s.database, name = 'named') =>
      client.getCollectionByResourceName({ tenantResourceName, database, name });
    expect((await byCrn(rn)).collection?.id).toBe(collection!.id);
    expect((await byCrn(s.tenant)).collection?.id).toBe(collection!.id);
    await expectCode(
      byCrn(rn, s.database, 'nope'),
      Code.NOT_FOUND,
      `Collection [${rn}:${s.database}:nope] does not exist`,
    );
    await expectCode(byCrn(rn, 'nodb'), Code.NOT_FOUND);
    await expectCode(byCrn('no-such-tenant'), Code.NOT_FOUND);
    await expectCode(byCrn(''), Code.INVALID_ARGUMENT);
  });
});
