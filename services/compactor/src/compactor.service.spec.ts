import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '@huedb/proto/catalog';
import { LogService, Operation } from '@huedb/proto/log';
import { Code, inProcessClient, RpcError, type ServiceClient } from '@huedb/grpc';
import { embeddingToBytes, rendezvousPick } from '@huedb/core';
import { createCatalogHandlers, openPGliteCatalog, type PGliteCatalog } from '@huedb/catalog';
import { pgliteTemplate } from '@huedb/catalog/testing';
import { SegmentCache, segmentPrefix } from '@huedb/index';
import { createLogHandlers } from '@huedb/log';
import { createLogger, metricsRegistry } from '@huedb/service';
import { createFsObjectStore, type ObjectStore } from '@huedb/storage';
import { LocalWal } from '@huedb/wal/local';
import type { CompactorConfig } from './config.js';
import { Compactor, type CompactorDeps } from './compactor.service.js';

const quiet = { info: () => {}, warn: () => {} };
const add = (id: string, x = 1) => ({
  id,
  operation: Operation.ADD,
  embedding: embeddingToBytes(new Float32Array([x, 0])),
});

/** Polls `check` until it holds or `ms` pass (no fixed sleeps). */
async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The compactor on its real collaborators, in process: the catalog on PGlite, the log service's
 * handlers on a local WAL, a filesystem object store, and the segment cache; its log lines are
 * captured to check what operators see.
 */
describe('Compactor', () => {
  let dir: string;
  let db: PGliteCatalog;
  let catalog: ServiceClient<typeof CatalogService>;
  let wal: LocalWal;
  let down: LocalWal;
  let log: ServiceClient<typeof LogService>;
  let downLog: ServiceClient<typeof LogService>;
  let store: ObjectStore;
  const lines: Record<string, unknown>[] = [];
  let n = 0;
  /** Where each collection's first batch landed. */
  const pushedAt = new Map<string, bigint>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'huedb-compactor-spec-'));
    db = await openPGliteCatalog(undefined, { loadDataDir: await pgliteTemplate() });
    catalog = inProcessClient(CatalogService, createCatalogHandlers(db.service));
    wal = await LocalWal.open({ dir: path.join(dir, 'wal'), logger: quiet });
    log = inProcessClient(LogService, createLogHandlers(wal));
    // A log instance that is shut down: it answers UNAVAILABLE, like an unreachable one.
    down = await LocalWal.open({ dir: path.join(dir, 'down'), logger: quiet });
    await down.close();
    downLog = inProcessClient(LogService, createLogHandlers(down));
    store = createFsObjectStore({ root: path.join(dir, 'objects') });
    await catalog.createTenant({ name: 't' });
    await catalog.createDatabase({ tenant: 't', name: 'd' });
  }, 60_000);

  afterAll(async () => {
    await wal?.close();
    await db?.close();
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const compactor = (
    memberId: string,
    config: Partial<CompactorConfig> = {},
    deps: Partial<CompactorDeps> = {},
  ) =>
    new Compactor(
      {
        catalog,
        logsFor: () => [log],
        store,
        segments: new SegmentCache(store, path.join(dir, `cache-${++n}`), 1 << 30),
        ...deps,
      },
      {
        memberId,
        minRecords: 3,
        maxAgeMs: 3_600_000,
        gcGraceMs: 0,
        // Alone in its ring unless a test says otherwise (other tests' members have aged out).
        memberMaxAgeMs: 1,
        workDir: path.join(dir, 'work'),
        enabled: true,
        pollIntervalMs: 1_000,
        heartbeatIntervalMs: 1_000,
        listen: '127.0.0.1:0',
        catalogAddress: '',
        logAddresses: [],
        logLevel: 'debug',
        ...config,
      },
      createLogger({
        service: 'compactor',
        level: 'debug',
        destination: {
          write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
        },
      }).child({ instance: memberId }),
    );

  async function collection(records: number, name = `c${++n}`): Promise<string> {
    const { collection } = await catalog.createCollection({ tenant: 't', database: 'd', name });
    const id = collection!.id;
    await catalog.setCollectionDimension({ id, dimension: 2 });
    if (records > 0) {
      const { logPosition } = await log.pushLogs({
        collectionId: id,
        records: Array.from({ length: records }, (_, i) => add(`r${i}`, i)),
      });
      pushedAt.set(id, logPosition);
    }
    return id;
  }
  const row = async (id: string) => (await catalog.getCollectionById({ id })).collection!;
  const objectsUnder = async (manifestKey: string) =>
    (await store.list(`${segmentPrefix(manifestKey)}/`)).length;
  const logged = (msg: string, collectionId?: string) =>
    lines.filter((l) => l.msg === msg && (!collectionId || l.collectionId === collectionId));

  it('compacts the collections over the thresholds, folding their tail into a new version', async () => {
    const due = await collection(3);
    const small = await collection(2);
    const outcomes = await compactor('solo').runOnce();
    expect(outcomes.map((o) => o.collectionId)).toContain(due);
    expect(outcomes.map((o) => o.collectionId)).not.toContain(small);
    const compacted = await row(due);
    expect(compacted.version).toBe(1n);
    // The tail starts after the folded batch (positions are not dense: it is its position + 1).
    expect(compacted.logPosition).toBe(pushedAt.get(due)! + 1n);
    expect((await row(small)).version).toBe(0n);
    // The log let go of the folded tail: nothing of it is due any more.
    const { collections } = await log.collectionsToCompact({ minRecords: 1n, minAgeMs: 0n });
    expect(collections.map((c) => c.collectionId)).not.toContain(due);
    const segment = await new SegmentCache(store, path.join(dir, 'check'), 1 << 30).load(
      compacted.segmentManifestKey,
    );
    expect(segment.size).toBe(3);
    const [finished] = logged('compaction: finished', due);
    expect(finished).toMatchObject({
      level: 30,
      recordsCompacted: 3,
      liveRecords: 3,
      version: 1,
      previousVersion: 0,
      batches: 1,
    });
    expect(finished!.durationMs).toEqual(expect.any(Number));
    expect(logged('compaction: started', due)[0]).toMatchObject({ level: 20, batches: 1 });
    // Counts and ids only: no record ids, vectors or documents in the lines.
    expect(JSON.stringify(lines)).not.toContain('"r0"');
  });

  it('compacts only the collections it owns among the live compactors', async () => {
    await catalog.heartbeat({ member: { id: 'peer', role: 'compactor', address: 'peer:1' } });
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(() => collection(3)));
    const mine = ids.filter((id) => rendezvousPick(id, ['me', 'peer'], 1)[0] === 'me');
    expect(mine.length, 'rendezvous splits six collections between two').toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(ids.length);
    const me = compactor('me', { memberMaxAgeMs: 10_000 });
    const outcomes = await me.runOnce();
    const compacted = outcomes.map((o) => o.collectionId).filter((id) => ids.includes(id));
    expect(compacted.sort()).toEqual([...mine].sort());
    for (const id of ids) expect((await row(id)).version).toBe(mine.includes(id) ? 1n : 0n);
    expect(
      lines.find((l) => l.instance === 'me' && l.msg === 'membership: compactor ring'),
    ).toMatchObject({
      members: ['me', 'peer'],
    });
  });

  it('logs members joining and leaving the ring as it sees them', async () => {
    const watcher = compactor('watcher', { memberMaxAgeMs: 500 });
    const ringSize = async () => {
      const { values } = await metricsRegistry.getSingleMetric('huedb_membership_members')!.get();
      return values.find((v) => v.labels.role === 'compactor')?.value;
    };
    // Alone first (earlier tests' members age out within the 500 ms).
    await eventually(async () => {
      await catalog.heartbeat({ member: { id: 'watcher', role: 'compactor', address: 'w:1' } });
      await watcher.runOnce();
      return (await ringSize()) === 1;
    });
    await catalog.heartbeat({ member: { id: 'newcomer', role: 'compactor', address: 'n:1' } });
    await watcher.runOnce();
    const mine = () => lines.filter((l) => l.instance === 'watcher' && l.role === 'compactor');
    expect(mine().find((l) => l.msg === 'membership: compactor joined')).toMatchObject({
      memberId: 'newcomer',
    });
    expect(await ringSize()).toBe(2);
    // Nobody beats for "newcomer" again: it ages out of the ring.
    await eventually(async () => {
      await catalog.heartbeat({ member: { id: 'watcher', role: 'compactor', address: 'w:1' } });
      await watcher.runOnce();
      return mine().some(
        (l) => String(l.msg).startsWith('membership: compactor left') && l.memberId === 'newcomer',
      );
    });
    expect(await ringSize()).toBe(1);
  });

  it('GC deletes superseded versions nobody references, and keeps those a fork still reads', async () => {
    const id = await collection(3);
    const c = compactor('solo');
    await c.compact(id);
    const v1 = (await row(id)).segmentManifestKey;
    await log.pushLogs({ collectionId: id, records: [add('more')] });
    const second = await c.compact(id);
    const v2 = (await row(id)).segmentManifestKey;
    expect(second).toMatchObject({ version: 2n, versionsForgotten: 1, segmentsDeleted: 1 });
    expect(await objectsUnder(v1), 'v1 is superseded and unreferenced').toBe(0);
    expect(await objectsUnder(v2)).toBeGreaterThan(0);

    // A fork of v2 shares its objects: the source moving on must not delete them.
    const { toPosition } = await log.scoutLogs({ collectionId: id });
    const { collection: fork } = await catalog.forkCollection({
      tenant: 't',
      database: 'd',
      sourceId: id,
      newName: `fork-${++n}`,
      sourceLogEnd: toPosition,
    });
    expect(fork!.segmentManifestKey).toBe(v2);
    await log.pushLogs({ collectionId: id, records: [add('after-fork')] });
    expect(await c.compact(id)).toMatchObject({ version: 3n, segmentsDeleted: 0 });
    expect(await objectsUnder(v2), "the fork's segment survives its source's GC").toBeGreaterThan(
      0,
    );
    const forkSegment = await new SegmentCache(store, path.join(dir, `fork-${n}`), 1 << 30).load(
      v2,
    );
    expect(forkSegment.size).toBe(4);
  });

  it('purges the log of a deleted collection', async () => {
    const id = await collection(3, `doomed-${++n}`);
    await catalog.deleteCollection({ tenant: 't', database: 'd', name: `doomed-${n}` });
    expect(await compactor('solo').compact(id)).toMatchObject({ version: 0n, recordsCompacted: 0 });
    const { collections } = await log.collectionsToCompact({ minRecords: 1n, minAgeMs: 0n });
    expect(collections.map((c) => c.collectionId)).not.toContain(id);
    expect(logged('compaction: collection deleted; log purged', id)).toHaveLength(1);
  });

  it('loses a version race cleanly: one new version, the loser retries and removes its upload', async () => {
    const id = await collection(3);
    const winner = compactor('winner');
    const gate: { winnerDone?: Promise<unknown> } = {};
    // The loser registers only after the winner has: both built on version 0.
    const gatedCatalog = {
      ...catalog,
      registerCompaction: async (...args: Parameters<typeof catalog.registerCompaction>) => {
        await gate.winnerDone;
        return catalog.registerCompaction(...args);
      },
    } as typeof catalog;
    const loser = compactor('loser', {}, { catalog: gatedCatalog });
    const winnerDone = (gate.winnerDone = winner.compact(id));
    const losing = loser.compact(id);
    const [won, lost] = await Promise.all([winnerDone, losing]);
    expect(won).toMatchObject({ version: 1n, recordsCompacted: 3 });
    expect(lost).toMatchObject({ version: 1n, recordsCompacted: 0 });
    expect((await row(id)).version).toBe(1n);
    const uploads = await store.list(
      `tenants/t/databases/${(await row(id)).databaseId}/collections/${id}/`,
    );
    expect(new Set(uploads.map((o) => segmentPrefix(o.key))).size, 'only the winner’s upload').toBe(
      1,
    );
    expect(logged('compaction: lost the version race; retrying', id)).toHaveLength(1);
  });

  it('fails over to the next log instance, and reports a collection whose logs are all down', async () => {
    const reachable = await collection(3);
    const unreachable = await collection(3);
    const c = compactor(
      'solo',
      {},
      {
        logsFor: (collectionId) => (collectionId === unreachable ? [downLog] : [downLog, log]),
      },
    );
    const outcomes = await c.runOnce();
    expect(outcomes.map((o) => o.collectionId)).toContain(reachable);
    expect(outcomes.map((o) => o.collectionId)).not.toContain(unreachable);
    expect((await row(reachable)).version).toBe(1n);
    const [failed] = logged('compaction: failed; retrying next round', unreachable);
    expect(failed).toMatchObject({ level: 40 });
    expect(failed!.err).toBeDefined();
    const err = await c.compact(unreachable).catch((e: unknown) => e);
    expect(RpcError.is(err, Code.UNAVAILABLE), String(err)).toBe(true);
  });
});
