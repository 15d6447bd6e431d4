import { randomUUID } from 'node:crypto';
import { Code } from '@huedb/grpc';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

/** The compaction registry over real gRPC: RegisterCompaction, segment versions and their GC. */
describe.each(DRIVER_KINDS)('catalog compaction registry over gRPC on %s', (kind) => {
  const { client, scope } = useTestCatalog(kind, 'catalog_segments');

  describe('compaction registry', () => {
    it('advances version and log position by compare-and-swap and records each version', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'compacted' });
      const id = collection!.id;

      const v1 = await client.registerCompaction({
        collectionId: id,
        expectedVersion: 0n,
        logPosition: 10n,
        manifestKey: 'k/v1/manifest.json',
        recordCount: 5n,
      });
      expect(v1.collection).toMatchObject({
        id,
        version: 1n,
        logPosition: 10n,
        segmentManifestKey: 'k/v1/manifest.json',
      });
      // The same log position again is allowed (nothing new, e.g. a rebuild).
      const v2 = await client.registerCompaction({
        collectionId: id,
        expectedVersion: 1n,
        logPosition: 10n,
        manifestKey: 'k/v2/manifest.json',
        recordCount: 5n,
      });
      expect(v2.collection).toMatchObject({ version: 2n, logPosition: 10n });
      const v3 = await client.registerCompaction({
        collectionId: id,
        expectedVersion: 2n,
        logPosition: 9_007_199_254_740_993n, // beyond 2^53: int64 end to end
        manifestKey: 'k/v3/manifest.json',
        recordCount: 7n,
      });
      expect(v3.collection?.logPosition).toBe(9_007_199_254_740_993n);

      const got = await client.getCollection({ ...s, selector: { case: 'id', value: id } });
      expect(got.collection).toMatchObject({
        version: 3n,
        logPosition: 9_007_199_254_740_993n,
        segmentManifestKey: 'k/v3/manifest.json',
      });

      const { versions } = await client.listSegmentVersions({ collectionId: id });
      expect(versions.map((v) => [v.version, v.logPosition, v.manifestKey, v.recordCount])).toEqual(
        [
          [3n, 9_007_199_254_740_993n, 'k/v3/manifest.json', 7n],
          [2n, 10n, 'k/v2/manifest.json', 5n],
          [1n, 10n, 'k/v1/manifest.json', 5n],
        ],
      );
      expect(versions.every((v) => v.collectionId === id && v.createdAtMs > 0n)).toBe(true);
    });

    it('rejects a stale version or a log position moving backwards with FAILED_PRECONDITION', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'cas' });
      const id = collection!.id;
      await client.registerCompaction({
        collectionId: id,
        expectedVersion: 0n,
        logPosition: 100n,
        manifestKey: 'm1',
        recordCount: 1n,
      });
      await expectCode(
        client.registerCompaction({
          collectionId: id,
          expectedVersion: 0n,
          logPosition: 200n,
          manifestKey: 'm-stale',
          recordCount: 1n,
        }),
        Code.FAILED_PRECONDITION,
        /version 1, not 0/,
      );
      await expectCode(
        client.registerCompaction({
          collectionId: id,
          expectedVersion: 1n,
          logPosition: 99n,
          manifestKey: 'm-back',
          recordCount: 1n,
        }),
        Code.FAILED_PRECONDITION,
        /behind 100/,
      );
      // Nothing changed by the rejected calls.
      const got = await client.getCollection({ ...s, selector: { case: 'id', value: id } });
      expect(got.collection).toMatchObject({
        version: 1n,
        logPosition: 100n,
        segmentManifestKey: 'm1',
      });
      expect((await client.listSegmentVersions({ collectionId: id })).versions).toHaveLength(1);

      const valid = {
        collectionId: id,
        expectedVersion: 1n,
        logPosition: 100n,
        manifestKey: 'm',
        recordCount: 0n,
      };
      await expectCode(
        client.registerCompaction({ ...valid, manifestKey: '' }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.registerCompaction({ ...valid, logPosition: -1n }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.registerCompaction({ ...valid, recordCount: -1n }),
        Code.INVALID_ARGUMENT,
      );
      await expectCode(
        client.registerCompaction({ ...valid, collectionId: randomUUID() }),
        Code.NOT_FOUND,
      );
    });

    it('forgets old versions, never the current one of a live collection', async () => {
      const s = await scope();
      const { collection } = await client.createCollection({ ...s, name: 'gc' });
      const id = collection!.id;
      for (let v = 0n; v < 4n; v++) {
        await client.registerCompaction({
          collectionId: id,
          expectedVersion: v,
          logPosition: v * 10n,
          manifestKey: `m${v + 1n}`,
          recordCount: v,
        });
      }
      await expectCode(
        client.deleteSegmentVersions({ collectionId: id, belowVersion: 5n }),
        Code.FAILED_PRECONDITION,
      );
      expect(
        (await client.deleteSegmentVersions({ collectionId: id, belowVersion: 3n })).deleted,
      ).toBe(2n);
      expect(
        (await client.deleteSegmentVersions({ collectionId: id, belowVersion: 3n })).deleted,
      ).toBe(0n);
      const left = await client.listSegmentVersions({ collectionId: id });
      expect(left.versions.map((v) => v.version)).toEqual([4n, 3n]);

      // After the collection is deleted, the GC can still list and forget everything.
      await client.deleteCollection({ ...s, name: 'gc' });
      expect((await client.listSegmentVersions({ collectionId: id })).versions).toHaveLength(2);
      expect(
        (await client.deleteSegmentVersions({ collectionId: id, belowVersion: 100n })).deleted,
      ).toBe(2n);

      await expectCode(client.listSegmentVersions({ collectionId: randomUUID() }), Code.NOT_FOUND);
      await expectCode(
        client.deleteSegmentVersions({ collectionId: randomUUID(), belowVersion: 1n }),
        Code.NOT_FOUND,
      );
      await expectCode(client.listSegmentVersions({ collectionId: 'x' }), Code.INVALID_ARGUMENT);
    });
  });
});
