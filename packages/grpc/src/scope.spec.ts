import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { Metadata, type Server } from '@grpc/grpc-js';
import {
  addService,
  Code,
  createClient,
  createGrpcServer,
  currentScope,
  inProcessClient,
  listen,
  readScope,
  RpcError,
  runInScope,
  SCOPE_KEYS,
  type CallContext,
  type ServiceClient,
  type ServiceHandlers,
} from './index.js';

/** A log whose handlers report what they saw; pushLogs is a write, pullLogs a read. */
function recordingLog(
  seen: CallContext[],
  failures: { pull: number },
): ServiceHandlers<typeof LogService> {
  return {
    pushLogs: async (_req, ctx) => {
      seen.push(ctx);
      throw new RpcError(Code.UNAVAILABLE, 'write not taken');
    },
    scoutLogs: async (_req, ctx) => {
      seen.push(ctx);
      return { toPosition: 0n };
    },
    pullLogs: async (_req, ctx) => {
      seen.push(ctx);
      if (failures.pull-- > 0) throw new RpcError(Code.UNAVAILABLE, 'try again');
      return { batches: [] };
    },
    collectionsToCompact: async () => ({}),
    advanceCompactionCursor: async () => ({}),
    purgeCollection: async () => ({}),
  };
}

describe('request scope over gRPC metadata', () => {
  const seen: CallContext[] = [];
  const failures = { pull: 0 };
  let logServer: Server;
  let queryServer: Server;
  let log: ServiceClient<typeof LogService>;
  let query: ServiceClient<typeof QueryService>;

  beforeAll(async () => {
    logServer = createGrpcServer();
    addService(logServer, LogService, recordingLog(seen, failures));
    const logPort = await listen(logServer, '127.0.0.1:0');
    log = createClient(LogService, `127.0.0.1:${logPort}`, { timeoutMs: 5_000 });
    // A query node whose Count calls the log while serving: the hop that must carry the scope.
    queryServer = createGrpcServer();
    addService(queryServer, QueryService, {
      get: async () => ({}),
      query: async () => ({}),
      count: async () => {
        await log.scoutLogs({ collectionId: 'c' });
        return { count: 0n };
      },
      indexingStatus: async () => ({}),
    });
    const queryPort = await listen(queryServer, '127.0.0.1:0');
    query = createClient(QueryService, `127.0.0.1:${queryPort}`, { timeoutMs: 5_000 });
  });

  afterAll(() => {
    log.close();
    query.close();
    logServer.forceShutdown();
    queryServer.forceShutdown();
  });

  const principal = { tenant: 'acme', subject: 'key-7', role: 'admin' };

  it('carries request id and principal through a hop, and bounds its deadline', async () => {
    seen.length = 0;
    const before = Date.now();
    await query.count({}, { scope: { requestId: 'req-1', principal }, timeoutMs: 1_500 });
    const [downstream] = seen;
    expect(downstream!.requestId).toBe('req-1');
    expect(downstream!.principal).toEqual(principal);
    // The log client's own timeout is 5 s; the incoming call had 1.5 s, so that bounds it.
    expect(downstream!.deadline).toBeGreaterThan(before);
    expect(downstream!.deadline!).toBeLessThanOrEqual(before + 1_600);
  });

  it('reads the active scope when the call names none; none outside a request', async () => {
    seen.length = 0;
    await runInScope({ requestId: 'req-2' }, () => log.scoutLogs({ collectionId: 'c' }));
    await log.scoutLogs({ collectionId: 'c' });
    expect(seen.map((c) => c.requestId)).toEqual(['req-2', undefined]);
    expect(seen[1]!.principal).toBeUndefined();
    expect(currentScope()).toBeUndefined();
  });

  it('fails fast with DEADLINE_EXCEEDED when the request has no time left', async () => {
    seen.length = 0;
    const err = await log
      .scoutLogs({ collectionId: 'c' }, { scope: { deadline: Date.now() - 1 } })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.DEADLINE_EXCEEDED)).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('refuses metadata that does not fit (INVALID_ARGUMENT) before the handler runs', async () => {
    seen.length = 0;
    const err = await log
      .scoutLogs({ collectionId: 'c' }, { scope: { requestId: 'x'.repeat(129) } })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.INVALID_ARGUMENT)).toBe(true);
    expect((err as Error).message).toContain(SCOPE_KEYS.requestId);
    const badRole = await log
      .scoutLogs({ collectionId: 'c' }, { scope: { principal: { role: 'Root Admin' } } })
      .catch((e: unknown) => e);
    expect(RpcError.is(badRole, Code.INVALID_ARGUMENT)).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('retries a read after UNAVAILABLE, never a write', async () => {
    seen.length = 0;
    failures.pull = 2;
    await log.pullLogs({ collectionId: 'c', fromPosition: 0n, toPosition: 1n });
    expect(seen).toHaveLength(3); // two UNAVAILABLE, then the answer
    seen.length = 0;
    const err = await log.pushLogs({ collectionId: 'c', records: [] }).catch((e: unknown) => e);
    expect(RpcError.is(err, Code.UNAVAILABLE)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('gives up a read after its retries', async () => {
    seen.length = 0;
    failures.pull = 10;
    const err = await log
      .pullLogs({ collectionId: 'c', fromPosition: 0n, toPosition: 1n })
      .catch((e: unknown) => e);
    expect(RpcError.is(err, Code.UNAVAILABLE)).toBe(true);
    expect(seen).toHaveLength(3); // the call and 2 retries (the default)
    failures.pull = 0;
  });

  it('a read cancelled while backing off between retries rejects with CANCELLED', async () => {
    seen.length = 0;
    failures.pull = 10;
    const abort = new AbortController();
    const pending = log.pullLogs(
      { collectionId: 'c', fromPosition: 0n, toPosition: 1n },
      { signal: abort.signal },
    );
    const deadline = Date.now() + 5_000;
    while (seen.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    abort.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(RpcError.is(err, Code.CANCELLED)).toBe(true);
    failures.pull = 0;
  });

  it('in-process clients hand handlers the same scope', async () => {
    const handlers: CallContext[] = [];
    const local = inProcessClient(LogService, recordingLog(handlers, { pull: 0 }));
    await runInScope({ requestId: 'req-3', principal }, () =>
      local.scoutLogs({ collectionId: 'c' }),
    );
    expect(handlers[0]!.requestId).toBe('req-3');
    expect(handlers[0]!.principal).toEqual(principal);
    expect(handlers[0]!.deadline).toBeGreaterThan(Date.now());
  });

  it('a repeated scope key is refused', () => {
    const md = new Metadata();
    md.add(SCOPE_KEYS.tenant, 'a');
    md.add(SCOPE_KEYS.tenant, 'b');
    expect(() => readScope(md, undefined)).toThrow(RpcError);
  });
});
