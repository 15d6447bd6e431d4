import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogService, Operation } from '@huedb/proto/log';
import type { Server } from '@grpc/grpc-js';
import {
  addService,
  Code,
  createClient,
  createGrpcServer,
  listen,
  RpcError,
  type ServiceClient,
} from './index.js';

describe('typed gRPC over grpc-js with protobuf-es schemas', () => {
  let server: Server;
  let client: ServiceClient<typeof LogService>;
  const internalErrors: string[] = [];

  beforeAll(async () => {
    server = createGrpcServer();
    addService(
      server,
      LogService,
      {
        pushLogs: async (req) => {
          if (req.records.length === 0) throw new RpcError(Code.INVALID_ARGUMENT, 'no records');
          if (req.collectionId === 'boom') throw new Error('kaput');
          // Echo the embedding's byte length as the position to prove bytes survive the trip.
          return { logPosition: BigInt(req.records[0]!.embedding?.length ?? -1) };
        },
        scoutLogs: async (_req, ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          return { toPosition: 0n };
        },
        pullLogs: async (req) => ({
          batches: [
            { logPosition: req.fromPosition, records: [{ id: 'a', operation: Operation.DELETE }] },
          ],
        }),
        collectionsToCompact: async () => ({}),
        advanceCompactionCursor: async () => ({}),
        purgeCollection: async () => ({}),
      },
      { onInternalError: (method) => internalErrors.push(method) },
    );
    const port = await listen(server, '127.0.0.1:0');
    client = createClient(LogService, `127.0.0.1:${port}`);
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it('round-trips messages, bytes and int64 positions', async () => {
    const embedding = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const res = await client.pushLogs({
      collectionId: 'c',
      records: [{ id: 'x', operation: Operation.ADD, embedding }],
    });
    expect(res.logPosition).toBe(12n);
    const pulled = await client.pullLogs({ collectionId: 'c', fromPosition: 7n, toPosition: 9n });
    expect(pulled.batches).toHaveLength(1);
    expect(pulled.batches[0]!.logPosition).toBe(7n);
    expect(pulled.batches[0]!.records[0]!.operation).toBe(Operation.DELETE);
  });

  it('answers with the code of an RpcError a handler throws', async () => {
    const err = await client.pushLogs({ collectionId: 'c', records: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(Code.INVALID_ARGUMENT);
    expect((err as RpcError).message).toBe('no records');
  });

  it('turns any other handler error into INTERNAL and reports it', async () => {
    const err = await client
      .pushLogs({ collectionId: 'boom', records: [{ id: 'x', operation: Operation.ADD }] })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.INTERNAL)).toBe(true);
    expect(internalErrors).toContain('huedb.log.v1.LogService.PushLogs');
  });

  it('enforces deadlines and tells the handler the call was abandoned', async () => {
    const err = await client
      .scoutLogs({ collectionId: 'c' }, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.DEADLINE_EXCEEDED)).toBe(true);
  });

  it('cancels a call when its signal aborts', async () => {
    const abort = new AbortController();
    const pending = client.scoutLogs({ collectionId: 'c' }, { signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toSatisfy((e: unknown) => RpcError.is(e, Code.CANCELLED));
  });

  it('reports UNAVAILABLE when nothing listens', async () => {
    const dead = createClient(LogService, '127.0.0.1:1', { timeoutMs: 2_000 });
    const err = await dead.scoutLogs({ collectionId: 'c' }).catch((e: unknown) => e);
    dead.close();
    expect(err).toBeInstanceOf(RpcError);
    expect([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]).toContain((err as RpcError).code);
  });
});
