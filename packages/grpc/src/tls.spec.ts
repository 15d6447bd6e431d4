import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogService } from '@huedb/proto/log';
import { generateTestPki, type TestPki } from '@huedb/testing';
import type { Server } from '@grpc/grpc-js';
import { addService, Code, createClient, createGrpcServer, listen, RpcError } from './index.js';

const handlers = {
  pushLogs: async () => ({}),
  scoutLogs: async () => ({ toPosition: 42n }),
  pullLogs: async () => ({}),
  collectionsToCompact: async () => ({}),
  advanceCompactionCursor: async () => ({}),
  purgeCollection: async () => ({}),
};

/** Real certificates generated for the run; a second CA plays a stranger's. */
describe('gRPC over TLS', () => {
  let dir: string;
  let pki: TestPki;
  let stranger: TestPki;
  let server: Server;
  let address: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'huedb-tls-'));
    pki = await generateTestPki(path.join(dir, 'cluster'));
    stranger = await generateTestPki(path.join(dir, 'stranger'));
    server = createGrpcServer();
    addService(server, LogService, handlers);
    const tls = { ...pki, requireClientCert: true };
    address = `127.0.0.1:${await listen(server, '127.0.0.1:0', { tls })}`;
  });

  afterAll(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (options: Parameters<typeof createClient>[2]) => {
    const client = createClient(LogService, address, { timeoutMs: 3_000, retries: 0, ...options });
    try {
      return await client.scoutLogs({ collectionId: 'c' });
    } catch (err) {
      return err;
    } finally {
      client.close();
    }
  };

  it('answers a client with a certificate of the cluster CA (mutual TLS)', async () => {
    expect(await call({ tls: pki })).toMatchObject({ toPosition: 42n });
  });

  it('refuses a plaintext client', async () => {
    const err = await call({});
    expect(err).toBeInstanceOf(RpcError);
    expect(RpcError.is(err, Code.UNAVAILABLE)).toBe(true);
  });

  it("refuses a client whose certificate another CA signed, and one that doesn't trust the server", async () => {
    // The stranger trusts our CA but presents its own certificate: the server refuses it.
    const foreign = await call({ tls: { ...stranger, caFile: pki.caFile } });
    expect(RpcError.is(foreign, Code.UNAVAILABLE)).toBe(true);
    // A client that checks the server against another CA refuses the server.
    const distrust = await call({ tls: { ...pki, caFile: stranger.caFile } });
    expect(RpcError.is(distrust, Code.UNAVAILABLE)).toBe(true);
  });
});
