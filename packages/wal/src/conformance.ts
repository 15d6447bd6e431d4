import { randomUUID } from 'node:crypto';
import { Operation, type CollectionTail, type PositionedBatch } from '@huedb/proto/log';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TailFullError,
  WalArgumentError,
  WalClosedError,
  WalCompactedError,
  WalTimeoutError,
} from './errors.js';
import type { LogRecordInit, TailLimits, WriteAheadLog } from './wal.js';

/** How the suite configures each log it creates. */
export interface WalConformanceConfig {
  /** The tail limits every instance of the log enforces. */
  limits: TailLimits;
  /** How long a pull waits for the reader before WalTimeoutError (the suite keeps it short). */
  pullTimeoutMs: number;
  /** The clock the log measures tail ages against (collectionsToCompact's minAgeMs). */
  clock: () => number;
}

/** One log under test; all its instances share its data. */
export interface WalUnderTest {
  /** Opens an instance of this log (a new process's view of the same data). */
  open(): Promise<WriteAheadLog>;
  /** Releases what the log holds (topics, files). Called after every instance is closed. */
  destroy(): Promise<void>;
}

/** What an implementation provides to run the suite. */
export interface WalConformanceFactory {
  /** A new, empty log that no other test uses, configured with `config`. */
  create(config: WalConformanceConfig): Promise<WalUnderTest>;
  /**
   * Whether instances of one log may be open at the same time (Kafka: yes, the cluster's log
   * instances all serve the same topic). When false, the cross-instance tests use one instance
   * and the restart test still closes before reopening.
   */
  concurrentInstances: boolean;
}

const DEFAULT_CONFIG: WalConformanceConfig = {
  limits: { maxTailRecords: 100_000, maxTailBytes: 256 * 1024 * 1024 },
  pullTimeoutMs: 2_000,
  clock: () => Date.now(),
};

/**
 * The contract of {@link WriteAheadLog}, as one vitest suite that every implementation runs
 * (Kafka in packages/wal/test, the local-file WAL next to it). Each test gets a fresh log from
 * `factory.create`, so tests are independent and may assert on everything the log reports.
 */
export function describeWalConformance(name: string, factory: WalConformanceFactory): void {
  describe(`WriteAheadLog conformance: ${name}`, () => {
    const opened: WriteAheadLog[] = [];
    const logs: WalUnderTest[] = [];

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((wal) => wal.close()));
      await Promise.allSettled(logs.splice(0).map((log) => log.destroy()));
    });

    /** A fresh log; `open` tracks instances so they are closed after the test. */
    async function freshLog(config: Partial<WalConformanceConfig> = {}) {
      const log = await factory.create({ ...DEFAULT_CONFIG, ...config });
      logs.push(log);
      const open = async () => {
        const wal = await log.open();
        opened.push(wal);
        return wal;
      };
      const first = await open();
      /** A second instance when the implementation allows one, else the first. */
      const other = async () => (factory.concurrentInstances ? open() : first);
      /** Closes `wal` and opens a new instance: a restart. */
      const restart = async (wal: WriteAheadLog) => {
        await wal.close();
        return open();
      };
      return { wal: first, other, restart };
    }

    it('appends batches at increasing, not necessarily dense, positions per collection', async () => {
      const { wal } = await freshLog();
      const collections = [randomUUID(), randomUUID(), randomUUID()];
      const appended = new Map<string, { position: bigint; records: LogRecordInit[] }[]>();
      // Interleaved, so collections sharing storage (a partition, a file) get gaps.
      for (let round = 0; round < 4; round++) {
        for (const c of collections) {
          const records = [record(`${c}-${round}-a`), record(`${c}-${round}-b`, round)];
          const position = await wal.append(c, records);
          appended.set(c, [...(appended.get(c) ?? []), { position, records }]);
        }
      }
      for (const c of collections) {
        const expected = appended.get(c)!;
        const positions = expected.map((a) => a.position);
        for (let i = 1; i < positions.length; i++) {
          expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
        }
        const pulled = await wal.pull(c, 0n, await wal.scout(c));
        expect(pulled.map((b) => b.logPosition)).toEqual(positions);
        pulled.forEach((batch, i) => expectRecords(batch, expected[i]!.records));
      }
    });

    it('stores a batch atomically with its records in order, every field intact', async () => {
      const { wal } = await freshLog();
      const c = randomUUID();
      const records = Array.from({ length: 50 }, (_, i) => record(`r${i}`, i));
      records.push({ id: 'r0', operation: Operation.DELETE });
      records.push({ id: 'r1', operation: Operation.UPDATE, document: 'changed' });
      const position = await wal.append(c, records);
      const pulled = await wal.pull(c, 0n, await wal.scout(c));
      expect(pulled).toHaveLength(1);
      expect(pulled[0]!.logPosition).toBe(position);
      expectRecords(pulled[0]!, records);
    });

    it('pulls half-open ranges [from, to) and limits by whole batches', async () => {
      const { wal } = await freshLog();
      const c = randomUUID();
      const noise = randomUUID();
      const p: bigint[] = [];
      for (let i = 0; i < 3; i++) {
        p.push(await wal.append(c, [record(`${i}a`), record(`${i}b`), record(`${i}c`)]));
        await wal.append(noise, [record(`noise${i}`)]);
      }
      const end = await wal.scout(c);
      const at = async (from: bigint, to: bigint, maxRecords?: number) =>
        (await wal.pull(c, from, to, { maxRecords })).map((b) => b.logPosition);
      expect(await at(p[0]!, p[2]!)).toEqual([p[0], p[1]]);
      expect(await at(p[0]! + 1n, end)).toEqual([p[1], p[2]]);
      expect(await at(p[1]!, p[1]!)).toEqual([]);
      expect(await at(p[2]!, p[2]! + 1n)).toEqual([p[2]]);
      expect(await at(0n, p[0]!)).toEqual([]);
      expect(await at(0n, end, 4)).toEqual([p[0], p[1]]);
      expect(await at(0n, end, 3)).toEqual([p[0]]);
      expect(await at(0n, end, 1)).toEqual([p[0]]);
      expect(await at(0n, end, 0)).toEqual(p);
    });

    it('gives read-your-writes across instances: scout, then pull, sees every acknowledged append', async () => {
      const { wal: writer, other } = await freshLog();
      const reader = await other();
      const c = randomUUID();
      const positions: bigint[] = [];
      for (let round = 0; round < 5; round++) {
        positions.push(await writer.append(c, [record(`w${round}`)]));
        const to = await reader.scout(c);
        expect(to).toBeGreaterThan(positions.at(-1)!);
        const pulled = await reader.pull(c, 0n, to);
        expect(pulled.map((b) => b.logPosition)).toEqual(positions);
      }
    });

    it('makes a pull wait until the log reaches its bound', async () => {
      const { wal: writer, other } = await freshLog();
      const reader = await other();
      const c = randomUUID();
      const end = await reader.scout(c);
      let settled = false;
      const pending = reader.pull(c, 0n, end + 1n).finally(() => (settled = true));
      await reader.scout(c); // a round trip during which the pull must still be waiting
      expect(settled).toBe(false);
      const position = await writer.append(c, [record('late')]);
      const pulled = await pending;
      expect(pulled.map((b) => b.logPosition)).toEqual(position < end + 1n ? [position] : []);
    });

    it('rejects a pull whose bound is never reached, at the deadline or when aborted', async () => {
      const { wal } = await freshLog({ pullTimeoutMs: 1_000 });
      const c = randomUUID();
      const beyond = (await wal.scout(c)) + 1_000n;
      const started = Date.now();
      await expect(wal.pull(c, 0n, beyond)).rejects.toBeInstanceOf(WalTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const abort = new AbortController();
      const pending = wal.pull(c, 0n, beyond, { signal: abort.signal });
      abort.abort(new Error('caller gave up'));
      await expect(pending).rejects.toThrow('caller gave up');
    });

    it('drops batches below the compaction cursor (never moving back) and refuses pulls from below it', async () => {
      const { wal, other } = await freshLog();
      const c = randomUUID();
      const bystander = randomUUID();
      const p = [
        await wal.append(c, [record('1')]),
        await wal.append(c, [record('2'), record('3')]),
        await wal.append(c, [record('4')]),
      ];
      await wal.append(bystander, [record('b')]);
      const tail = async (w: WriteAheadLog) =>
        (await w.collectionsToCompact(0, 0)).find((t) => t.collectionId === c);
      const pulled = async (w: WriteAheadLog, from: bigint) =>
        (await w.pull(c, from, await w.scout(c))).map((b) => b.logPosition);

      await wal.advanceCursor(c, p[1]!);
      expect(await pulled(wal, p[1]!)).toEqual([p[1], p[2]]);
      // A reader starting below the cursor holds an older segment than the log: the batches it
      // would need now live only in a newer segment, so it must refresh, not read a gap.
      await expect(pulled(wal, 0n)).rejects.toBeInstanceOf(WalCompactedError);
      expect(await tail(wal)).toMatchObject({ firstPosition: p[1], recordCount: 3n });
      const elsewhere = await other();
      expect(await tail(elsewhere)).toMatchObject({ firstPosition: p[1], recordCount: 3n });

      await wal.advanceCursor(c, p[0]!); // backwards: ignored
      await wal.advanceCursor(c, p[1]!); // same: ignored
      expect(await pulled(wal, p[1]!)).toEqual([p[1], p[2]]);

      const end = await wal.scout(c);
      await wal.advanceCursor(c, end);
      expect(await pulled(wal, end)).toEqual([]);
      expect(await tail(wal)).toBeUndefined();
      expect(await tail(elsewhere)).toBeUndefined();
      expect(await pulled(elsewhere, end)).toEqual([]);
      await expect(pulled(elsewhere, p[1]!)).rejects.toBeInstanceOf(WalCompactedError);
      expect((await wal.pull(bystander, 0n, await wal.scout(bystander))).length).toBe(1);

      // New appends form a new tail above the cursor.
      const next = await wal.append(c, [record('5')]);
      expect(await pulled(wal, end)).toEqual([next]);

      await expect(wal.advanceCursor(c, (await wal.scout(c)) + 1_000n)).rejects.toBeInstanceOf(
        WalArgumentError,
      );
    });

    it('purges a deleted collection’s tail; later appends start a new one', async () => {
      const { wal, other } = await freshLog();
      const gone = randomUUID();
      const kept = randomUUID();
      await wal.append(gone, [record('1')]);
      await wal.append(kept, [record('2')]);
      await wal.append(gone, [record('3')]);
      await wal.purge(gone);
      expect(await wal.pull(gone, 0n, await wal.scout(gone))).toEqual([]);
      const ids = async (w: WriteAheadLog) =>
        (await w.collectionsToCompact(0, 0)).map((t) => t.collectionId);
      expect(await ids(wal)).toEqual([kept]);
      expect(await ids(await other())).toEqual([kept]);
      const again = await wal.append(gone, [record('4')]);
      expect((await wal.pull(gone, 0n, await wal.scout(gone))).map((b) => b.logPosition)).toEqual([
        again,
      ]);
    });

    it('lists collections to compact by thresholds, oldest tail first, with exact figures', async () => {
      const { wal } = await freshLog();
      const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
      const p1 = await wal.append(c1, [record('a')]);
      await nextMillisecond();
      const p2 = await wal.append(
        c2,
        [1, 2, 3, 4, 5].map((i) => record(`b${i}`)),
      );
      await nextMillisecond();
      await wal.append(c3, [record('c1'), record('c2')]);
      const ids = async (minRecords: number, minAgeMs: number) =>
        (await wal.collectionsToCompact(minRecords, minAgeMs)).map((t) => t.collectionId);
      const never = 3_600_000;

      expect(await ids(0, 0)).toEqual([c1, c2, c3]);
      expect(await ids(5, never)).toEqual([c2]);
      expect(await ids(2, never)).toEqual([c2, c3]);
      expect(await ids(6, never)).toEqual([]);

      const p2b = await wal.append(c2, [record('b6')]);
      const tails = await wal.collectionsToCompact(0, 0);
      const t1 = tails.find((t) => t.collectionId === c1)!;
      const t2 = tails.find((t) => t.collectionId === c2)!;
      expect(t1).toMatchObject({ firstPosition: p1, toPosition: p1 + 1n, recordCount: 1n });
      expect(t2).toMatchObject({ firstPosition: p2, toPosition: p2b + 1n, recordCount: 6n });
      expect(Math.abs(Number(t1.firstAppendedAtMs) - Date.now())).toBeLessThan(60_000);
      expect(t1.firstAppendedAtMs).toBeLessThan(t2.firstAppendedAtMs);
    });

    it('lists a collection whose oldest batch is old enough even with few records', async () => {
      // The log's clock stands still from here on, so the ages compared below do not grow while
      // the calls run: the threshold is exact, not a margin.
      let now = Date.now();
      const { wal } = await freshLog({ clock: () => now });
      const [old, young] = [randomUUID(), randomUUID()];
      await wal.append(old, [record('a')]);
      const [oldTail] = (await wal.collectionsToCompact(0, 0)) as [CollectionTail];
      // Append times have millisecond resolution: the young batch must be stamped later.
      const deadline = Date.now() + 5_000;
      while (Date.now() <= Number(oldTail.firstAppendedAtMs)) {
        if (Date.now() > deadline) throw new Error('the wall clock did not move for 5 s');
        await new Promise((resolve) => setImmediate(resolve));
      }
      await wal.append(young, [record('b')]);
      const youngTail = (await wal.collectionsToCompact(0, 0)).find(
        (t) => t.collectionId === young,
      );
      expect(youngTail!.firstAppendedAtMs).toBeGreaterThan(oldTail.firstAppendedAtMs);
      now = Number(youngTail!.firstAppendedAtMs) + 1_000;
      const oldAge = now - Number(oldTail.firstAppendedAtMs);
      // Exactly as old as the threshold: listed; the young tail is younger: not.
      const listed = await wal.collectionsToCompact(1_000_000, oldAge);
      expect(listed.map((t) => t.collectionId)).toEqual([old]);
      // A threshold one millisecond above the old tail's age lists neither.
      expect(await wal.collectionsToCompact(1_000_000, oldAge + 1)).toEqual([]);
    });

    it('refuses appends while a tail is over its limits, writing nothing', async () => {
      const { wal } = await freshLog({ limits: { maxTailRecords: 10, maxTailBytes: 4_096 } });
      const byRecords = randomUUID();
      const four = (tag: string) => [1, 2, 3, 4].map((i) => record(`${tag}${i}`));
      await wal.append(byRecords, four('a')); // 4
      await wal.append(byRecords, four('b')); // 8 < 10: accepted, overshoots to 12
      await wal.append(byRecords, four('c'));
      const end = await wal.scout(byRecords);
      const refused = await wal.append(byRecords, four('d')).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TailFullError);
      expect(refused).toMatchObject({ collectionId: byRecords, tailRecords: 12 });
      expect(await wal.scout(byRecords)).toBe(end);
      expect(await wal.pull(byRecords, 0n, end)).toHaveLength(3);

      // Limits are per collection.
      const byBytes = randomUUID();
      const big = { id: 'big', operation: Operation.ADD, embedding: new Uint8Array(4_096) };
      await wal.append(byBytes, [big]);
      await expect(wal.append(byBytes, [big])).rejects.toBeInstanceOf(TailFullError);

      // Compaction frees the tail.
      await wal.advanceCursor(byRecords, end);
      const accepted = await wal.append(byRecords, four('e'));
      expect(accepted).toBeGreaterThanOrEqual(end);
    });

    it('rebuilds tails and cursors after a restart and loses nothing acknowledged', async () => {
      const { wal, restart } = await freshLog();
      const [a, b, gone] = [randomUUID(), randomUUID(), randomUUID()];
      const pa = [await wal.append(a, [record('a1')]), await wal.append(a, [record('a2')])];
      await wal.append(gone, [record('g1')]);
      const pa3 = await wal.append(a, [record('a3'), record('a4')]);
      const pb = await wal.append(b, [record('b1')]);
      await wal.advanceCursor(a, pa[1]!);
      await wal.purge(gone);
      const snapshot = async (w: WriteAheadLog) => ({
        a: (await w.pull(a, pa[1]!, await w.scout(a))).map((x) => x.logPosition),
        b: (await w.pull(b, 0n, await w.scout(b))).map((x) => x.logPosition),
        gone: (await w.pull(gone, 0n, await w.scout(gone))).map((x) => x.logPosition),
        tails: await w.collectionsToCompact(0, 0),
      });
      const before = await snapshot(wal);
      expect(before.a).toEqual([pa[1], pa3]);
      expect(before.b).toEqual([pb]);
      expect(before.gone).toEqual([]);

      const reopened = await restart(wal);
      const after = await snapshot(reopened);
      expect(after).toEqual(before);
      const batches = await reopened.pull(a, pa[1]!, await reopened.scout(a));
      // The compaction cursor survived too: a reader of an older segment is still refused.
      await expect(reopened.pull(a, 0n, await reopened.scout(a))).rejects.toBeInstanceOf(
        WalCompactedError,
      );
      expectRecords(batches[1]!, [record('a3'), record('a4')]);
      // The cursor survived: moving it back is still ignored.
      await reopened.advanceCursor(a, pa[0]!);
      expect((await snapshot(reopened)).a).toEqual([pa[1], pa3]);
      const pNew = await reopened.append(a, [record('a5')]);
      expect(pNew).toBeGreaterThan(pa3);
    });

    it('lands concurrent appends from many callers exactly once each', async () => {
      const { wal, other } = await freshLog();
      const second = await other();
      const collections = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const calls = collections.flatMap((c, ci) =>
        Array.from({ length: 15 }, (_, i) => ({
          c,
          via: (ci + i) % 2 === 0 ? wal : second,
          records: [record(`${c}/${i}/x`), record(`${c}/${i}/y`)],
        })),
      );
      const positions = await Promise.all(
        calls.map((call) => call.via.append(call.c, call.records)),
      );
      for (const c of collections) {
        const mine = calls.flatMap((call, i) => (call.c === c ? [positions[i]!] : []));
        expect(new Set(mine).size).toBe(mine.length);
        const pulled = await wal.pull(c, 0n, await wal.scout(c));
        expect(pulled.map((b) => b.logPosition)).toEqual([...mine].sort(compareBigint));
        const ids = pulled.flatMap((b) => b.records.map((r) => r.id));
        const expected = calls.filter((call) => call.c === c).flatMap((call) => call.records);
        expect([...ids].sort()).toEqual(expected.map((r) => r.id).sort());
        // Each batch kept its own records together.
        for (const batch of pulled) {
          const [x, y] = batch.records;
          expect(y!.id).toBe(x!.id.replace(/x$/, 'y'));
        }
      }
    });

    it('rejects invalid requests and calls after close', async () => {
      const { wal } = await freshLog();
      const c = randomUUID();
      await expect(wal.append(c, [])).rejects.toBeInstanceOf(WalArgumentError);
      await expect(wal.append('', [record('x')])).rejects.toBeInstanceOf(WalArgumentError);
      await expect(wal.pull(c, 5n, 4n)).rejects.toBeInstanceOf(WalArgumentError);
      await expect(wal.pull(c, -1n, 4n)).rejects.toBeInstanceOf(WalArgumentError);
      expect(await wal.pull(c, 0n, await wal.scout(c))).toEqual([]);
      await wal.close();
      await expect(wal.append(c, [record('x')])).rejects.toBeInstanceOf(WalClosedError);
      await expect(wal.scout(c)).rejects.toBeInstanceOf(WalClosedError);
    });
  });
}

/** A record with every optional field set, deterministic from its id. */
function record(id: string, n = 0): LogRecordInit {
  return {
    id,
    operation: Operation.UPSERT,
    embedding: new Uint8Array(new Float32Array([n, n + 0.5, -n]).buffer),
    document: `document of ${id}`,
    uri: `s3://bucket/${id}`,
    metadata: {
      entries: [
        { key: 'n', value: { kind: { case: 'intValue', value: BigInt(n) } } },
        { key: 'tag', value: { kind: { case: 'stringValue', value: id } } },
      ],
    },
  };
}

function expectRecords(batch: PositionedBatch, expected: readonly LogRecordInit[]): void {
  expect(batch.records.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  batch.records.forEach((actual, i) => {
    const want = expected[i]!;
    expect(actual.operation).toBe(want.operation);
    expect(actual.embedding).toEqual(want.embedding);
    expect(actual.document).toBe(want.document);
    expect(actual.uri).toBe(want.uri);
    const entries = actual.metadata?.entries ?? [];
    expect(entries.map((e) => e.key)).toEqual((want.metadata?.entries ?? []).map((e) => e.key));
    (want.metadata?.entries ?? []).forEach((entry, j) => {
      expect(entries[j]?.value?.kind).toEqual(entry.value?.kind);
    });
  });
}

/** Yields until the wall clock has moved on by at least a millisecond (append times differ). */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setImmediate(resolve));
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
