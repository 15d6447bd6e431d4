import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Operation } from '@huedb/proto/log';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentWal, type WalObserver } from './instrumented.js';
import { LocalWal } from './local-wal.js';

const quiet = { info: () => {}, warn: () => {} };

describe('instrumentWal', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('times appends and pulls with their outcome and leaves every other call as it was', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'huedb-instrumented-'));
    dirs.push(dir);
    const calls: { call: string; outcome: string; n: number; seconds: number }[] = [];
    const observer: WalObserver = {
      append: (seconds, outcome, n) => calls.push({ call: 'append', outcome, n, seconds }),
      pull: (seconds, outcome, n) => calls.push({ call: 'pull', outcome, n, seconds }),
    };
    const wal = instrumentWal(await LocalWal.open({ dir, logger: quiet }), observer);
    const collection = randomUUID();
    const position = await wal.append(collection, [
      { id: 'a', operation: Operation.UPSERT },
      { id: 'b', operation: Operation.UPSERT },
    ]);
    const to = await wal.scout(collection);
    expect(await wal.pull(collection, 0n, to)).toHaveLength(1);
    await expect(wal.append(collection, [])).rejects.toThrow();
    expect(calls.map(({ call, outcome, n }) => [call, outcome, n])).toEqual([
      ['append', 'ok', 2],
      ['pull', 'ok', 1],
      ['append', 'WalArgumentError', 0],
    ]);
    expect(calls.every((c) => c.seconds >= 0 && c.seconds < 10)).toBe(true);
    // Not timed, but still the WAL's own (private fields need the real instance as `this`).
    expect((await wal.collectionsToCompact(1, 0)).map((t) => t.collectionId)).toEqual([collection]);
    expect(position).toBe(0n);
    await wal.close();
  });
});
