import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Operation } from '@huedb/proto/log';
import { LocalWal } from './local-wal.js';

/** What a restarted local WAL reports about its recovery (the line operators read at startup). */
describe('LocalWal recovery line', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('carries the replayed entries and the rebuilt tails as fields', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'huedb-wal-recovery-'));
    dirs.push(dir);
    const quiet = { info: () => {}, warn: () => {} };
    const first = await LocalWal.open({ dir, logger: quiet });
    const del = (id: string) => ({ id, operation: Operation.DELETE });
    await first.append('a', [del('1'), del('2')]);
    const compactedTo = await first.append('b', [del('3')]);
    await first.append('b', [del('4'), del('5'), del('6')]);
    await first.advanceCursor('b', compactedTo + 1n);
    await first.close();

    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const reopened = await LocalWal.open({
      dir,
      logger: { info: (message, fields) => lines.push({ message, fields }), warn: () => {} },
    });
    await reopened.close();
    const recovered = lines.find((l) => l.fields?.event === 'wal-recovered');
    expect(recovered?.fields).toMatchObject({
      dir,
      // Three batches and one cursor move.
      entries: 4,
      // a's two records, and b's three after its cursor.
      tails: 2,
      tailRecords: 5,
      durationMs: expect.any(Number) as unknown,
    });
    expect(recovered!.message).toContain('recovered 4 entries');
  });
});
