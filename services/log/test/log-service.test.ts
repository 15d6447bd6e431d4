import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import {
  Code,
  codeName,
  createClient,
  inProcessClient,
  RpcError,
  type ServiceClient,
} from '@huedb/grpc';
import { LogService, Operation } from '@huedb/proto/log';
import { getInfra, uniqueName } from '@huedb/testing';
import { KafkaWal } from '@huedb/wal/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogHandlers, startLogServer, type LogServer } from '@huedb/log';

const { kafkaBrokers } = getInfra();
const topicPrefix = uniqueName('logsvc');
const SERVICE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const embedding = (n: number) => new Uint8Array(new Float32Array([n, n + 1, n + 2]).buffer);
const add = (id: string, n = 0) => ({ id, operation: Operation.ADD, embedding: embedding(n) });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(err)}`);
  return codeName(err.code);
}

describe('log service over gRPC on the Kafka WAL', () => {
  let wal: KafkaWal;
  let server: LogServer;
  let client: ServiceClient<typeof LogService>;
  const internalErrors: string[] = [];

  beforeAll(async () => {
    wal = await KafkaWal.open({
      brokers: kafkaBrokers,
      topicPrefix,
      partitions: 2,
      maxTailRecords: 5,
      pullTimeoutMs: 1_000,
      logger: { info: () => {}, warn: (m) => console.warn(`[wal] ${m}`) },
    });
    server = await startLogServer(wal, '127.0.0.1:0', {
      onInternalError: (method, err) => internalErrors.push(`${method}: ${String(err)}`),
    });
    client = createClient(LogService, `127.0.0.1:${server.port}`);
  });

  afterEach(() => {
    expect(internalErrors).toEqual([]);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await wal?.close();
    const admin = new Admin({ clientId: 'log-test-admin', bootstrapBrokers: kafkaBrokers });
    await admin.deleteTopics({ topics: [`${topicPrefix}.wal`] }).catch(() => {});
    await admin.close();
  });

  it('pushes, scouts and pulls with read-your-writes', async () => {
    const c = randomUUID();
    const first = await client.pushLogs({ collectionId: c, records: [add('a', 1), add('b', 2)] });
    const second = await client.pushLogs({
      collectionId: c,
      records: [{ id: 'a', operation: Operation.DELETE }],
    });
    expect(second.logPosition).toBeGreaterThan(first.logPosition);
    const { toPosition } = await client.scoutLogs({ collectionId: c });
    expect(toPosition).toBeGreaterThan(second.logPosition);
    const { batches } = await client.pullLogs({ collectionId: c, fromPosition: 0n, toPosition });
    expect(batches.map((b) => b.logPosition)).toEqual([first.logPosition, second.logPosition]);
    expect(batches[0]!.records.map((r) => r.id)).toEqual(['a', 'b']);
    expect(new Uint8Array(batches[0]!.records[1]!.embedding!)).toEqual(embedding(2));
    expect(batches[1]!.records[0]!.operation).toBe(Operation.DELETE);

    const page = await client.pullLogs({
      collectionId: c,
      fromPosition: 0n,
      toPosition,
      maxRecords: 1,
    });
    expect(page.batches).toHaveLength(1);
    const rest = await client.pullLogs({
      collectionId: c,
      fromPosition: first.logPosition + 1n,
      toPosition,
    });
    expect(rest.batches.map((b) => b.logPosition)).toEqual([second.logPosition]);
  });

  it('reports tails, advances cursors and purges', async () => {
    const c = randomUUID();
    const gone = randomUUID();
    const p1 = (await client.pushLogs({ collectionId: c, records: [add('x')] })).logPosition;
    const p2 = (await client.pushLogs({ collectionId: c, records: [add('y'), add('z')] }))
      .logPosition;
    await client.pushLogs({ collectionId: gone, records: [add('g')] });
    const listed = await client.collectionsToCompact({ minRecords: 0n, minAgeMs: 0n });
    expect(listed.collections.find((t) => t.collectionId === c)).toMatchObject({
      firstPosition: p1,
      toPosition: p2 + 1n,
      recordCount: 3n,
    });
    await client.advanceCompactionCursor({ collectionId: c, logPosition: p2 });
    await client.purgeCollection({ collectionId: gone });
    const after = await client.collectionsToCompact({ minRecords: 0n, minAgeMs: 0n });
    expect(after.collections.find((t) => t.collectionId === c)).toMatchObject({
      firstPosition: p2,
      recordCount: 2n,
    });
    expect(after.collections.some((t) => t.collectionId === gone)).toBe(false);
    const big = await client.collectionsToCompact({ minRecords: 3n, minAgeMs: 3_600_000n });
    expect(big.collections.some((t) => t.collectionId === c)).toBe(false);
  });

  it('answers RESOURCE_EXHAUSTED with a message the gateway can pass on when a tail is full', async () => {
    const c = randomUUID();
    const three = (tag: string) => [1, 2, 3].map((i) => add(`${tag}${i}`, i));
    await client.pushLogs({ collectionId: c, records: three('a') });
    await client.pushLogs({ collectionId: c, records: three('b') }); // 3 < 5: accepted → 6
    const before = await client.scoutLogs({ collectionId: c });
    const err = await client
      .pushLogs({ collectionId: c, records: three('c') })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.RESOURCE_EXHAUSTED)).toBe(true);
    expect((err as RpcError).message).toContain(c);
    expect((err as RpcError).message).toMatch(/retry/);
    expect(await client.scoutLogs({ collectionId: c })).toEqual(before);
  });

  it('answers INVALID_ARGUMENT to malformed requests without touching the log', async () => {
    const c = randomUUID();
    const before = await client.scoutLogs({ collectionId: c });
    const cases: [string, Promise<unknown>][] = [
      ['no collection', client.pushLogs({ collectionId: '', records: [add('a')] })],
      ['no records', client.pushLogs({ collectionId: c, records: [] })],
      [
        'operation unspecified',
        client.pushLogs({ collectionId: c, records: [{ id: 'a', embedding: embedding(0) }] }),
      ],
      [
        'unknown operation',
        client.pushLogs({ collectionId: c, records: [{ id: 'a', operation: 9 as Operation }] }),
      ],
      ['empty record id', client.pushLogs({ collectionId: c, records: [add('')] })],
      [
        'ADD without embedding',
        client.pushLogs({ collectionId: c, records: [{ id: 'a', operation: Operation.ADD }] }),
      ],
      [
        'DELETE with fields',
        client.pushLogs({
          collectionId: c,
          records: [{ id: 'a', operation: Operation.DELETE, document: 'd' }],
        }),
      ],
      [
        'embedding not float32',
        client.pushLogs({
          collectionId: c,
          records: [{ id: 'a', operation: Operation.ADD, embedding: new Uint8Array(6) }],
        }),
      ],
      [
        'mixed dimensions',
        client.pushLogs({
          collectionId: c,
          records: [add('a'), { id: 'b', operation: Operation.ADD, embedding: new Uint8Array(8) }],
        }),
      ],
      ['scout without collection', client.scoutLogs({ collectionId: '' })],
      ['pull from > to', client.pullLogs({ collectionId: c, fromPosition: 5n, toPosition: 4n })],
      ['pull from < 0', client.pullLogs({ collectionId: c, fromPosition: -1n, toPosition: 4n })],
      [
        'pull max_records < 0',
        client.pullLogs({ collectionId: c, fromPosition: 0n, toPosition: 1n, maxRecords: -1 }),
      ],
      ['negative min_records', client.collectionsToCompact({ minRecords: -1n })],
      ['negative cursor', client.advanceCompactionCursor({ collectionId: c, logPosition: -1n })],
      [
        'cursor beyond the end',
        client.advanceCompactionCursor({ collectionId: c, logPosition: before.toPosition + 99n }),
      ],
      ['purge without collection', client.purgeCollection({ collectionId: ' ' })],
    ];
    const codes = await Promise.all(
      cases.map(async ([name, call]) => [name, await codeOf(call)] as const),
    );
    expect(codes).toEqual(cases.map(([name]) => [name, 'INVALID_ARGUMENT']));
    expect(await client.scoutLogs({ collectionId: c })).toEqual(before);
  });

  it('answers DEADLINE_EXCEEDED when the reader cannot reach a pull’s bound in time', async () => {
    const c = randomUUID();
    const { toPosition } = await client.scoutLogs({ collectionId: c });
    expect(
      await codeOf(
        client.pullLogs({ collectionId: c, fromPosition: 0n, toPosition: toPosition + 50n }),
      ),
    ).toBe('DEADLINE_EXCEEDED');
  });

  it('serves the same handlers in-process (single-node wiring)', async () => {
    const local = inProcessClient(LogService, createLogHandlers(wal));
    const c = randomUUID();
    const { logPosition } = await local.pushLogs({ collectionId: c, records: [add('a')] });
    const { toPosition } = await client.scoutLogs({ collectionId: c });
    const { batches } = await local.pullLogs({ collectionId: c, fromPosition: 0n, toPosition });
    expect(batches.map((b) => b.logPosition)).toEqual([logPosition]);
    expect(await codeOf(local.pushLogs({ collectionId: c, records: [] }))).toBe('INVALID_ARGUMENT');
  });
});

describe('log service process', () => {
  it('boots from the environment, serves, and stops gracefully on SIGTERM', async () => {
    const prefix = uniqueName('logmain');
    const child = spawn(
      process.execPath,
      ['--conditions=@huedb/source', '--import', 'tsx', 'src/main.ts'],
      {
        cwd: SERVICE_DIR,
        env: {
          ...process.env,
          HUEDB_KAFKA_BROKERS: kafkaBrokers.join(','),
          HUEDB_LOG_LISTEN: '127.0.0.1:0',
          HUEDB_WAL_TOPIC_PREFIX: prefix,
          HUEDB_WAL_PARTITIONS: '2',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      let port: string | undefined;
      while (!(port = /listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1])) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the log process did not start:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const remote = createClient(LogService, `127.0.0.1:${port}`);
      const c = randomUUID();
      const { logPosition } = await remote.pushLogs({ collectionId: c, records: [add('a')] });
      const { toPosition } = await remote.scoutLogs({ collectionId: c });
      expect(toPosition).toBe(logPosition + 1n);
      remote.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toMatch(/"signal":"SIGTERM","msg":"draining"[\s\S]*"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      const admin = new Admin({ clientId: 'log-test-admin', bootstrapBrokers: kafkaBrokers });
      await admin.deleteTopics({ topics: [`${prefix}.wal`] }).catch(() => {});
      await admin.close();
    }
  });
});
