import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryLock, type LockRefusal } from './directory-lock.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'huedb-dir-lock-'));
  dirs.push(dir);
  return dir;
}

class Refused extends Error {
  constructor(readonly refusal: LockRefusal) {
    super(refusal.kind === 'held' ? `held by ${refusal.pid}` : refusal.kind);
  }
}
const refused = (refusal: LockRefusal) => new Refused(refusal);

describe('DirectoryLock', () => {
  it('lets one of two racing acquisitions in this process win', async () => {
    const dir = await tempDir();
    const results = await Promise.allSettled([
      DirectoryLock.acquire(dir, { refused }),
      DirectoryLock.acquire(dir, { refused }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect((lost[0]!.reason as Refused).refusal.kind).toBe('this-process');
    await (won[0] as PromiseFulfilledResult<DirectoryLock>).value.release();
    // Released: the directory can be locked again, and the file is gone.
    await expect(stat(path.join(dir, 'LOCK'))).rejects.toThrow(/ENOENT/);
    await (await DirectoryLock.acquire(dir, { refused })).release();
  });

  it('writes and understands the pid format, refusing a live holder and taking over a dead one', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'x.lock');
    const options = { fileName: 'x.lock', format: 'pid' as const, refused };
    await writeFile(file, `${process.ppid}\n`);
    const err = await DirectoryLock.acquire(dir, options).catch((e: unknown) => e as Refused);
    expect(err).toBeInstanceOf(Refused);
    expect((err as Refused).refusal).toMatchObject({ kind: 'held', pid: process.ppid, file });
    expect(await readFile(file, 'utf8')).toBe(`${process.ppid}\n`);

    await writeFile(file, '2147483646\n');
    const takeovers: string[] = [];
    const lock = await DirectoryLock.acquire(dir, {
      ...options,
      onTakeover: (m) => takeovers.push(m),
    });
    expect(await readFile(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(takeovers).toEqual([
      `took over the lock of ${dir} from process 2147483646, which is gone`,
    ]);
    await lock.release();
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it("treats this process's own pid in a lock it does not hold as a previous incarnation's", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'LOCK'), `${process.pid}\n`);
    const lock = await DirectoryLock.acquire(dir, { format: 'pid', refused });
    await lock.release();
  });

  it('does not remove a lock file that is no longer its own', async () => {
    const dir = await tempDir();
    const lock = await DirectoryLock.acquire(dir, { refused });
    const other = JSON.stringify({ pid: process.ppid, token: 'someone-else' });
    await writeFile(path.join(dir, 'LOCK'), other);
    await lock.release();
    expect(await readFile(path.join(dir, 'LOCK'), 'utf8')).toBe(other);
  });
});
