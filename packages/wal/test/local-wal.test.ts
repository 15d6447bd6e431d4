import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Operation, type PositionedBatch } from '@huedb/proto/log';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  WalArgumentError,
  WalCorruptionError,
  WalDirectoryInUseError,
  WalUnavailableError,
  type LogRecordInit,
  type WalLogger,
} from '@huedb/wal';
import { describeWalConformance } from '@huedb/wal/conformance';
import { LocalWal, segmentFileName, type LocalWalOptions } from '@huedb/wal/local';
import {
  APPENDER_COLLECTIONS,
  appenderCollection,
  appenderRecords,
} from './support/local-wal-appender-data.js';

const root = await mkdtemp(path.join(tmpdir(), 'huedb-local-wal-'));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Warnings go to the test output; the chatter of every open does not. */
const logger: WalLogger = {
  info: () => {},
  warn: (message, err) => console.warn(`[wal] ${message}`, err ?? ''),
};

/** A directory no other test uses. */
async function freshDir(): Promise<string> {
  return mkdtemp(path.join(root, 'log-'));
}

// One process owns a directory: the suite's "other instance" is the same one, and its restarts
// close before reopening.
describeWalConformance('LocalWal', {
  concurrentInstances: false,
  async create(config) {
    const dir = await freshDir();
    return {
      open: () =>
        LocalWal.open({
          dir,
          tailLimits: config.limits,
          pullTimeoutMs: config.pullTimeoutMs,
          clock: config.clock,
          logger,
        }),
      destroy: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

describe('Local WAL specifics', () => {
  const opened: LocalWal[] = [];
  const open = async (options: LocalWalOptions) => {
    const wal = await LocalWal.open({ logger, ...options });
    opened.push(wal);
    return wal;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((wal) => wal.close()));
  });

  const rec = (id: string, bytes = 0): LogRecordInit => ({
    id,
    operation: Operation.ADD,
    embedding: new Uint8Array(bytes).map((_, i) => (i * 7 + id.length) % 256),
    document: `doc ${id}`,
  });
  /** The collection's whole uncompacted tail (from its oldest uncompacted batch: a pull from
   * below the compaction cursor is refused). */
  const everything = async (wal: LocalWal, c: string) => {
    const tail = (await wal.collectionsToCompact(0, 0)).find((t) => t.collectionId === c);
    return tail ? wal.pull(c, tail.firstPosition, await wal.scout(c)) : [];
  };
  const positions = async (wal: LocalWal, c: string) =>
    (await everything(wal, c)).map((b) => b.logPosition);
  const ids = (batches: PositionedBatch[]) => batches.map((b) => b.records.map((r) => r.id));

  /** The frames of a segment file, walked by their length fields (format in README.md). */
  function frames(buf: Buffer): { offset: number; size: number; groupStart: number }[] {
    const result = [];
    for (let offset = 0; offset + 12 <= buf.length;) {
      const size = 12 + buf.readUInt32BE(offset + 4);
      result.push({ offset, size, groupStart: offset - buf.readUInt32BE(offset + 12 + 17) });
      offset += size;
    }
    return result;
  }

  async function lastFile(dir: string): Promise<string> {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
    return path.join(dir, names.at(-1)!);
  }

  /** Flips one byte of `file` at `offset`. */
  async function flipByte(file: string, offset: number): Promise<void> {
    const buf = await readFile(file);
    buf[offset]! ^= 0xff;
    await writeFile(file, buf);
  }

  it('starts an empty directory at position 0 in its first segment file', async () => {
    const dir = path.join(await freshDir(), 'nested', 'wal');
    const wal = await open({ dir });
    expect(await wal.scout('c')).toBe(0n);
    expect(wal.segmentFiles).toEqual([path.join(dir, segmentFileName(0n))]);
    expect(segmentFileName(0n)).toBe('00000000000000000000.wal');
    expect(await wal.append('c', [rec('x')])).toBe(0n);
    await expect(wal.append('c', [rec('big', 4096)])).resolves.toBe(1n);
    const small = await open({ dir: await freshDir(), maxBatchBytes: 1024 });
    await expect(small.append('c', [rec('big', 4096)])).rejects.toBeInstanceOf(WalArgumentError);
  });

  it.each([
    ['garbage', () => Buffer.from(Array.from({ length: 777 }, (_, i) => i % 256))],
    ['half a frame', (frame: Buffer) => frame.subarray(0, frame.length >> 1)],
    ['a frame with a bad checksum', (frame: Buffer) => Buffer.from(frame).fill(0xee, 40, 41)],
    ['zeros', () => Buffer.alloc(4096)],
  ])(
    'cuts a torn tail (%s) off the last file, keeps every complete entry and continues',
    async (_, torn) => {
      const dir = await freshDir();
      const c = randomUUID();
      let wal = await open({ dir });
      const written = [];
      for (let i = 0; i < 5; i++) written.push(await wal.append(c, [rec(`r${i}`, 100)]));
      await wal.close();
      const file = await lastFile(dir);
      const clean = await readFile(file);
      const [, second] = frames(clean);
      await appendFile(file, torn(clean.subarray(second!.offset, second!.offset + second!.size)));

      wal = await open({ dir });
      expect(await positions(wal, c)).toEqual(written);
      expect(ids(await everything(wal, c))).toEqual([0, 1, 2, 3, 4].map((i) => [`r${i}`]));
      expect((await stat(file)).size).toBe(clean.length);
      const next = await wal.append(c, [rec('after')]);
      expect(next).toBe(written.at(-1)! + 1n);
      await wal.close();
      wal = await open({ dir });
      expect(await positions(wal, c)).toEqual([...written, next]);
    },
  );

  it('drops a whole torn last write whose later frames reached the disk but an earlier one did not', async () => {
    const dir = await freshDir();
    const c = randomUUID();
    let wal = await open({ dir });
    const kept = [await wal.append(c, [rec('a')]), await wal.append(c, [rec('b')])];
    // Concurrent appends share one write (group commit).
    await Promise.all([1, 2, 3].map((i) => wal.append(c, [rec(`g${i}`, 64)])));
    await wal.close();
    const file = await lastFile(dir);
    const all = frames(await readFile(file));
    const group = all.slice(2);
    expect(group.map((f) => f.groupStart)).toEqual([
      group[0]!.offset,
      group[0]!.offset,
      group[0]!.offset,
    ]);
    // The first frame of the last write is damaged; the two after it are intact.
    await flipByte(file, group[0]!.offset + 40);

    wal = await open({ dir });
    expect(await positions(wal, c)).toEqual(kept);
    expect((await stat(file)).size).toBe(group[0]!.offset);
  });

  it('continues in an empty last file left by a crash right after a rollover', async () => {
    const dir = await freshDir();
    const c = randomUUID();
    let wal = await open({ dir, segmentBytes: 4096 });
    const written = [await wal.append(c, [rec('a', 1000)]), await wal.append(c, [rec('b', 1000)])];
    await wal.close();
    const next = written.at(-1)! + 1n;
    await writeFile(path.join(dir, segmentFileName(next)), '');

    wal = await open({ dir, segmentBytes: 4096 });
    expect(wal.segmentFiles.map((f) => path.basename(f))).toEqual([
      segmentFileName(0n),
      segmentFileName(next),
    ]);
    expect(await wal.append(c, [rec('c')])).toBe(next);
    expect(await positions(wal, c)).toEqual([...written, next]);
  });

  it('refuses to open when an entry followed by later writes is damaged, and changes nothing', async () => {
    const dir = await freshDir();
    const c = randomUUID();
    let wal = await open({ dir });
    for (let i = 0; i < 4; i++) await wal.append(c, [rec(`r${i}`, 100)]);
    await wal.close();
    const file = await lastFile(dir);
    const [, second] = frames(await readFile(file));
    await flipByte(file, second!.offset + 50);
    const before = await readFile(file);

    const err = await LocalWal.open({ dir, logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect(err).toMatchObject({ file, offset: second!.offset });
    expect((err as Error).message).toMatch(/checksum mismatch.*intact entry written later/);
    expect(await readFile(file)).toEqual(before);
    // The failed open released the directory: fixing the file makes it open again.
    await flipByte(file, second!.offset + 50);
    wal = await open({ dir });
    expect(await positions(wal, c)).toHaveLength(4);
  });

  it('refuses to open when a file other than the last is damaged, or one is missing', async () => {
    const dir = await freshDir();
    const c = randomUUID();
    let wal = await open({ dir, segmentBytes: 2048 });
    for (let i = 0; i < 12; i++) await wal.append(c, [rec(`r${i}`, 500)]);
    const files = wal.segmentFiles;
    expect(files.length).toBeGreaterThanOrEqual(4);
    await wal.close();

    // Damage at the very end of the first file: as a last file, that would pass for a torn write.
    const first = await readFile(files[0]!);
    await flipByte(files[0]!, first.length - 1);
    await expect(LocalWal.open({ dir, logger })).rejects.toThrow(/not the last file/);
    await flipByte(files[0]!, first.length - 1);

    const middle = files[1]!;
    const kept = await readFile(middle);
    await rm(middle);
    await expect(LocalWal.open({ dir, logger })).rejects.toBeInstanceOf(WalCorruptionError);
    await writeFile(middle, kept);
    wal = await open({ dir, segmentBytes: 2048 });
    expect(await positions(wal, c)).toHaveLength(12);
  });

  it('rolls over to new segment files and deletes whole files below the oldest uncompacted batch', async () => {
    const dir = await freshDir();
    const [a, b] = [randomUUID(), randomUUID()];
    const options = { dir, segmentBytes: 4096 };
    let wal = await open(options);
    const pb0 = await wal.append(b, [rec('b0', 1000)]);
    const pa: bigint[] = [];
    for (let i = 0; i < 12; i++) pa.push(await wal.append(a, [rec(`a${i}`, 1000)]));
    const files = wal.segmentFiles;
    // ~1.1 KB per frame, 4 KiB per file: three per file.
    expect(files.length).toBe(5);
    for (const file of files) expect((await stat(file)).size).toBeLessThanOrEqual(4096);
    expect(files.map((f) => path.basename(f))).toEqual(
      [0n, 3n, 6n, 9n, 12n].map((base) => segmentFileName(base)),
    );

    // b0 (position 0) is uncompacted: nothing can go, however far a's cursor moves. (A cursor
    // move starts the deletion; `truncate` waits for it.)
    await wal.advanceCursor(a, pa[9]!);
    expect(await wal.truncate()).toBe(0n);
    expect(wal.segmentFiles).toEqual(files);
    // Now the oldest uncompacted batch is a9 (position 10): files [0,3), [3,6), [6,9) go.
    await wal.advanceCursor(b, pb0 + 1n);
    expect(await wal.truncate()).toBe(9n);
    expect(wal.segmentFiles).toEqual(files.slice(3));
    expect(await readdir(dir)).not.toContain(path.basename(files[0]!));
    expect(await positions(wal, a)).toEqual(pa.slice(9));

    // A restart starts from the first remaining file and rebuilds the same state.
    const tails = await wal.collectionsToCompact(0, 0);
    await wal.close();
    wal = await open(options);
    expect(wal.segmentFiles).toEqual(files.slice(3));
    expect(await wal.collectionsToCompact(0, 0)).toEqual(tails);
    expect(await positions(wal, a)).toEqual(pa.slice(9));
    expect(await positions(wal, b)).toEqual([]);

    // Everything compacted: every file but the active one goes, never the active one.
    await wal.advanceCursor(a, await wal.scout(a));
    expect(await wal.truncate()).toBe(BigInt(path.basename(wal.segmentFiles[0]!, '.wal')));
    expect(wal.segmentFiles).toHaveLength(1);
    const next = await wal.append(b, [rec('b1')]);
    expect(await positions(wal, b)).toEqual([next]);
    await wal.close();
    wal = await open(options);
    expect(await positions(wal, b)).toEqual([next]);
    expect(await positions(wal, a)).toEqual([]);
  });

  it('starts a new file once compaction passes part of the active one, so the old one can go', async () => {
    const dir = await freshDir();
    const [a, b] = [randomUUID(), randomUUID()];
    const options = { dir, segmentBytes: 1 << 20, earlyRollBytes: 2048 };
    let wal = await open(options);
    const pb0 = await wal.append(b, [rec('b0', 1000)]);
    const pa: bigint[] = [];
    for (let i = 0; i < 4; i++) pa.push(await wal.append(a, [rec(`a${i}`, 1000)]));
    // b0 (position 0) is uncompacted: nothing of the only file is passed, so it stays alone.
    await wal.advanceCursor(a, pa[3]! + 1n);
    await wal.truncate();
    expect(wal.segmentFiles.map((f) => path.basename(f))).toEqual([segmentFileName(0n)]);
    // Now everything is compacted: the cursor move starts a new file and the old one goes.
    await wal.advanceCursor(b, pb0 + 1n);
    await wal.truncate();
    const start = pa[3]! + 3n; // after a3, a's cursor and b's cursor
    expect(wal.segmentFiles.map((f) => path.basename(f))).toEqual([segmentFileName(start)]);
    expect((await stat(wal.segmentFiles[0]!)).size).toBe(0);
    const next = await wal.append(a, [rec('a4')]);
    expect(next).toBe(start);
    await wal.close();
    // A restart reads only the new file, and nothing compacted comes back.
    wal = await open(options);
    expect(await positions(wal, a)).toEqual([next]);
    expect(await positions(wal, b)).toEqual([]);
  });

  it('keeps cursors and purges across restarts, and never moves a cursor back', async () => {
    const dir = await freshDir();
    const [a, gone] = [randomUUID(), randomUUID()];
    let wal = await open({ dir });
    const p = [
      await wal.append(a, [rec('0')]),
      await wal.append(a, [rec('1')]),
      await wal.append(a, [rec('2')]),
    ];
    await wal.append(gone, [rec('g')]);
    await wal.advanceCursor(a, p[2]!);
    await wal.advanceCursor(a, p[1]!); // backwards: ignored, writes nothing
    await wal.purge(gone);
    await wal.close();

    wal = await open({ dir });
    expect(await positions(wal, a)).toEqual([p[2]]);
    expect(await positions(wal, gone)).toEqual([]);
    await wal.advanceCursor(a, p[0]!);
    expect(await positions(wal, a)).toEqual([p[2]]);
    const [tail] = await wal.collectionsToCompact(0, 0);
    expect(tail).toMatchObject({ collectionId: a, firstPosition: p[2], recordCount: 1n });
  });

  it('lets one instance own a directory and takes over the lock of a process that is gone', async () => {
    const dir = await freshDir();
    const wal = await open({ dir });
    await expect(LocalWal.open({ dir, logger })).rejects.toThrow(/already open in this process/);
    await wal.close();

    // A live process's lock (this test runner's parent) is respected.
    const lockOf = (pid: number) =>
      JSON.stringify({ pid, host: 'h', processStart: null, token: randomUUID(), acquiredAt: 'x' });
    await writeFile(path.join(dir, 'LOCK'), lockOf(process.ppid));
    const refused = await LocalWal.open({ dir, logger }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WalUnavailableError);
    expect((refused as Error).message).toMatch(`in use by process ${process.ppid}`);
    // Typed, with the holder: `huedb run` names it without parsing the message.
    expect(refused).toBeInstanceOf(WalDirectoryInUseError);
    expect(refused).toMatchObject({ dir, pid: process.ppid, host: 'h' });

    // A dead process's lock is taken over, and the new owner's lock is removed on close.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    await writeFile(path.join(dir, 'LOCK'), lockOf(dead.pid!));
    const warnings: string[] = [];
    const taken = await open({ dir, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    expect(warnings.join()).toMatch(`from process ${dead.pid}, which is gone`);
    expect(JSON.parse(await readFile(path.join(dir, 'LOCK'), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    await taken.close();
    expect(await readdir(dir)).toEqual([segmentFileName(0n)]);
  });

  it('keeps every acknowledged append through kill -9 of the writing process', async () => {
    const dir = await freshDir();
    const acked = new Map<number, bigint>();
    // Two rounds: the second starts on the first one's crashed directory (stale lock, maybe a
    // torn tail) and is killed too.
    for (let round = 0; round < 2; round++) {
      const seqBase = round * 1_000_000;
      const child = spawn(
        process.execPath,
        [
          '--conditions=@huedb/source',
          '--import',
          'tsx',
          'test/support/local-wal-appender.ts',
          dir,
          String(256 * 1024),
          '6',
        ],
        { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // 'close': the process is gone and everything it wrote to stdout has been read.
      const closed = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('close', (_code, signal) => resolve(signal)),
      );
      const target = 150 + Math.floor(Math.random() * 150);
      let count = 0;
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => {
        // A line is written with one write() of a few bytes: it arrives whole or not at all.
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          const [seq, position] = line.split(' ');
          acked.set(seqBase + Number(seq), BigInt(position!));
          count++;
        }
        if (count >= target) child.kill('SIGKILL');
      });
      const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const signal = await closed;
      clearTimeout(deadline);
      expect(count, `acks before the kill; stderr: ${stderr}`).toBeGreaterThanOrEqual(target);
      expect(signal).toBe('SIGKILL');
      expect(partial).toBe('');

      const wal = await open({ dir });
      const byPosition = new Map<bigint, { collectionId: string; batch: PositionedBatch }>();
      for (const collectionId of APPENDER_COLLECTIONS) {
        for (const batch of await everything(wal, collectionId)) {
          byPosition.set(batch.logPosition, { collectionId, batch });
        }
      }
      expect(new Set(acked.values()).size).toBe(acked.size);
      for (const [globalSeq, position] of acked) {
        const seq = globalSeq % 1_000_000;
        const found = byPosition.get(position);
        expect(found, `acknowledged batch ${globalSeq} at ${position}`).toBeDefined();
        expect(found!.collectionId).toBe(appenderCollection(seq));
        const want = appenderRecords(seq);
        expect(found!.batch.records.map((r) => r.id)).toEqual(want.map((r) => r.id));
        found!.batch.records.forEach((r, i) => {
          expect(Buffer.compare(r.embedding!, want[i]!.embedding!)).toBe(0);
          expect(r.document).toBe(want[i]!.document);
        });
      }
      // Whatever else is there (appends in flight at the kill) is whole, too.
      for (const { collectionId, batch } of byPosition.values()) {
        const seq = Number(batch.records[0]!.id.split('/')[0]);
        expect(collectionId).toBe(appenderCollection(seq));
        expect(batch.records.map((r) => r.id)).toEqual(appenderRecords(seq).map((r) => r.id));
      }
      await wal.close();
      opened.splice(opened.indexOf(wal), 1);
    }
    expect(acked.size).toBeGreaterThanOrEqual(300);
  });
});
