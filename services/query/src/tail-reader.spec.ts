import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogService, Operation } from '@huedb/proto/log';
import {
  Code,
  inProcessClient,
  PULL_PAGE_RECORDS,
  RpcError,
  type ServiceClient,
} from '@huedb/grpc';
import { NotFoundError } from '@huedb/core';
import { createLogHandlers } from '@huedb/log';
import { LocalWal } from '@huedb/wal/local';
import { LogTailSource } from './tail-reader.js';

const quiet = { info: () => {}, warn: () => {} };

/** The log service's handlers on a local WAL, counting PullLogs calls. */
async function logInstance(dir: string) {
  const wal = await LocalWal.open({ dir, logger: quiet });
  const client = inProcessClient(LogService, createLogHandlers(wal));
  const counted = { wal, client, pulls: 0 };
  const pullLogs = client.pullLogs.bind(client);
  client.pullLogs = (request, options) => {
    counted.pulls++;
    return pullLogs(request, options);
  };
  return counted;
}

const records = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, operation: Operation.DELETE }));

/** LogTailSource on real log instances: one serving, one shut down (answers UNAVAILABLE). */
describe('LogTailSource', () => {
  let dir: string;
  let up: Awaited<ReturnType<typeof logInstance>>;
  let down: Awaited<ReturnType<typeof logInstance>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'huedb-tail-spec-'));
    up = await logInstance(path.join(dir, 'up'));
    down = await logInstance(path.join(dir, 'down'));
    await down.wal.close();
  });

  afterAll(async () => {
    await up?.wal.close();
    await rm(dir, { recursive: true, force: true });
  });

  const push = async (client: ServiceClient<typeof LogService>, id: string, n: number) =>
    (await client.pushLogs({ collectionId: id, records: records(`${n}-`, n) })).logPosition;

  it('pages through a tail larger than one PullLogs answer, in order, within [from, to)', async () => {
    const first = await push(up.client, 'paged', PULL_PAGE_RECORDS - 1);
    await push(up.client, 'paged', 2);
    await push(up.client, 'paged', PULL_PAGE_RECORDS);
    const last = await push(up.client, 'paged', 3);
    await push(up.client, 'paged', 7); // at `to`: excluded
    up.pulls = 0;
    const batches = await new LogTailSource(() => [up.client]).pull('paged', first, last + 1n);
    expect(batches.map((b) => b.records.length)).toEqual([
      PULL_PAGE_RECORDS - 1,
      2,
      PULL_PAGE_RECORDS,
      3,
    ]);
    expect(up.pulls).toBeGreaterThan(1);
    // A range past the end is an empty tail, not an error.
    const after = (await up.client.scoutLogs({ collectionId: 'paged' })).toPosition;
    expect(await new LogTailSource(() => [up.client]).pull('paged', after, after)).toEqual([]);
  });

  it('fails over to the next log instance when the preferred one is unavailable', async () => {
    const position = await push(up.client, 'failover', 2);
    const tails = new LogTailSource(() => [down.client, up.client]);
    const batches = await tails.pull('failover', position, position + 1n);
    expect(batches.map((b) => b.records.map((r) => r.id))).toEqual([['2-0', '2-1']]);
  });

  it('answers UNAVAILABLE when no instance is reachable, and without instances', async () => {
    const err = await new LogTailSource(() => [down.client])
      .pull('x', 0n, 1n)
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.UNAVAILABLE), String(err)).toBe(true);
    await expect(new LogTailSource(() => []).pull('x', 0n, 1n)).rejects.toThrow(
      'No log instance is available',
    );
  });

  it('turns a tail compacted past the read (ABORTED) into NotFound for the gateway to refresh', async () => {
    const position = await push(up.client, 'compacted', 1);
    await push(up.client, 'compacted', 1);
    await up.wal.advanceCursor('compacted', position + 1n);
    const end = (await up.client.scoutLogs({ collectionId: 'compacted' })).toPosition;
    const err = await new LogTailSource(() => [up.client])
      .pull('compacted', position, end)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    // No failover on ABORTED: the answer is authoritative, another instance would say the same.
    const seen = up.pulls;
    await new LogTailSource(() => [up.client, up.client])
      .pull('compacted', position, end)
      .catch(() => {});
    expect(up.pulls - seen).toBe(1);
  });
});
