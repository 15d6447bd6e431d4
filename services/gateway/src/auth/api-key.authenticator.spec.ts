import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { Code, inProcessClient, RpcError } from '@huedb/grpc';
import { ControlService, KeyRole } from '@huedb/proto/control';
import { partialHandlers } from '../backends/fake-backends.js';
import { ADMIN_PRINCIPAL, ApiKeyAuthenticator } from './api-key.authenticator.js';
import { credentialOf } from './credentials.js';

/*
 * The authenticator against a small key store behind the real ControlService contract
 * (in-process client: proto schemas and gRPC error codes as in single-node). The store's
 * version, changes and outages are driven by each spec; the control plane's own suite covers
 * the real repository. The clock is the spec's, so TTLs and staleness need no waiting.
 */

const ADMIN = 'admin-token-0123456789-0123456789-abcdef';
const key = (id: string, secret = 'S'.repeat(43)) => `hdb_${id.padEnd(16, 'a')}_${secret}`;
const KEY_A = key('keya');
const KEY_B = key('keyb');

interface Row {
  tenant: string;
  role: KeyRole;
  databases: string[];
  revoked: boolean;
  expiresAtMs?: number;
}

function controlPlane() {
  const rows = new Map<string, Row>([
    [KEY_A, { tenant: 't1', role: KeyRole.READ, databases: [], revoked: false }],
    [KEY_B, { tenant: 't2', role: KeyRole.ADMIN, databases: ['d1'], revoked: false }],
  ]);
  const state = { version: 5n, changes: [] as { version: bigint; keyId: string }[], down: false };
  const calls = { resolve: 0, touched: [] as string[] };
  const up = () => {
    if (state.down) throw new RpcError(Code.UNAVAILABLE, 'control plane down');
  };
  const idOf = (credential: string) => credential.split('_')[1]!;
  const client = inProcessClient(
    ControlService,
    partialHandlers(ControlService, {
      resolveApiKey: (req) => {
        up();
        calls.resolve++;
        const row = rows.get(req.credential);
        if (!row || row.revoked) throw new RpcError(Code.UNAUTHENTICATED, 'Invalid API key');
        return Promise.resolve({
          keyId: idOf(req.credential),
          tenant: row.tenant,
          databases: row.databases,
          role: row.role,
          expiresAtMs: row.expiresAtMs === undefined ? undefined : BigInt(row.expiresAtMs),
          keysVersion: state.version,
        });
      },
      keysVersion: () => {
        up();
        return Promise.resolve({ version: state.version });
      },
      listKeyChanges: (req) => {
        up();
        const keyIds = state.changes
          .filter((c) => c.version > req.sinceVersion)
          .map((c) => c.keyId);
        return Promise.resolve({ version: state.version, keyIds, flush: false });
      },
      touchApiKeys: (req) => {
        calls.touched.push(...req.keyIds);
        return Promise.resolve({ updated: req.keyIds.length });
      },
    }),
  );
  const revoke = (credential: string) => {
    rows.get(credential)!.revoked = true;
    state.version++;
    state.changes.push({ version: state.version, keyId: idOf(credential) });
  };
  return { client, rows, state, calls, revoke };
}

function setup() {
  const cp = controlPlane();
  const clock = { now: 1_000_000 };
  const auth = new ApiKeyAuthenticator(cp.client, { adminToken: ADMIN, now: () => clock.now });
  return { ...cp, clock, auth };
}

const req = (headers: Record<string, string | string[]>) => ({ headers }) as FastifyRequest;
const token = (credential: string) => req({ 'x-chroma-token': credential });

describe('credentialOf', () => {
  it('reads x-chroma-token or Authorization: Bearer, and refuses what is ambiguous', () => {
    expect(credentialOf({})).toBeUndefined();
    expect(credentialOf({ 'x-chroma-token': 'abc' })).toBe('abc');
    expect(credentialOf({ authorization: 'Bearer abc' })).toBe('abc');
    expect(credentialOf({ authorization: 'bearer  abc' })).toBe('abc');
    expect(credentialOf({ 'x-chroma-token': 'abc', authorization: 'Bearer abc' })).toBe('abc');
    for (const headers of [
      { authorization: 'Basic YTpi' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer a b' },
      { 'x-chroma-token': '' },
      { 'x-chroma-token': 'x'.repeat(2000) },
      { 'x-chroma-token': 'abc', authorization: 'Bearer abd' },
      { 'x-chroma-token': ['a', 'b'] },
    ]) {
      expect(() => credentialOf(headers), JSON.stringify(headers)).toThrow(
        'Unauthorized: invalid credentials',
      );
    }
  });
});

describe('ApiKeyAuthenticator', () => {
  it('resolves a key once, then answers from its cache; reports used keys on close', async () => {
    const { auth, calls } = setup();
    await auth.start();
    const principal = await auth.authenticate(token(KEY_A));
    expect(principal).toEqual({
      kind: 'authenticated',
      subject: `key:${KEY_A.split('_')[1]}`,
      userId: '',
      tenant: 't1',
      databases: [],
      role: 'read',
    });
    expect(await auth.authenticate(req({ authorization: `Bearer ${KEY_A}` }))).toBe(principal);
    expect(calls.resolve).toBe(1);
    await auth.close();
    expect(calls.touched).toEqual([KEY_A.split('_')[1]]);
  });

  it('401s missing, malformed and unknown credentials (no RPC for a malformed one)', async () => {
    const { auth, calls } = setup();
    await auth.start();
    await expect(auth.authenticate(req({}))).rejects.toMatchObject({
      kind: 'Unauthenticated',
      message: expect.stringContaining('x-chroma-token') as unknown,
    });
    await expect(auth.authenticate(token('not-a-key'))).rejects.toMatchObject({
      kind: 'Unauthenticated',
      message: 'Unauthorized: invalid credentials',
    });
    expect(calls.resolve).toBe(0);
    await expect(auth.authenticate(token(key('nobody')))).rejects.toMatchObject({
      kind: 'Unauthenticated',
      message: 'Unauthorized: invalid credentials',
    });
    // A known id with a wrong secret is just as unknown.
    await expect(auth.authenticate(token(key('keya', 'T'.repeat(43))))).rejects.toMatchObject({
      kind: 'Unauthenticated',
    });
    await auth.close();
  });

  it('drops a revoked key at the next version poll', async () => {
    const { auth, revoke, calls } = setup();
    await auth.start();
    await auth.authenticate(token(KEY_A));
    await auth.authenticate(token(KEY_B));
    revoke(KEY_A);
    // Until the poll the cache still answers: that is the bound (one poll interval).
    await auth.authenticate(token(KEY_A));
    await auth.poll();
    await expect(auth.authenticate(token(KEY_A))).rejects.toMatchObject({
      kind: 'Unauthenticated',
    });
    // The other key stays cached.
    const before = calls.resolve;
    await auth.authenticate(token(KEY_B));
    expect(calls.resolve).toBe(before);
    await auth.close();
  });

  it('fails closed: with no successful poll for 5 s it resolves afresh, and refuses when it cannot', async () => {
    const { auth, state, clock, calls, revoke } = setup();
    await auth.start();
    await auth.authenticate(token(KEY_A));
    state.down = true;
    await auth.poll();
    clock.now += 4_000;
    await auth.authenticate(token(KEY_A)); // within the bound: cached
    expect(calls.resolve).toBe(1);
    clock.now += 1_001;
    await expect(auth.authenticate(token(KEY_A))).rejects.toMatchObject({
      code: Code.UNAVAILABLE,
    });
    state.down = false;
    await auth.authenticate(token(KEY_A)); // resolved afresh (not cached: polls are stale)
    await auth.authenticate(token(KEY_A));
    expect(calls.resolve).toBe(3);
    // A revocation made while the gateway was cut off is seen by the first fresh resolve.
    revoke(KEY_A);
    await expect(auth.authenticate(token(KEY_A))).rejects.toMatchObject({
      kind: 'Unauthenticated',
    });
    await auth.poll();
    await auth.authenticate(token(KEY_B));
    await auth.authenticate(token(KEY_B));
    expect(calls.resolve).toBe(5); // caching again once a poll succeeded
    await auth.close();
  });

  it('honours expiry and the TTL', async () => {
    const { auth, rows, clock, calls } = setup();
    rows.get(KEY_A)!.expiresAtMs = clock.now + 2_000;
    await auth.start();
    await auth.authenticate(token(KEY_A));
    clock.now += 2_000;
    await auth.poll();
    await expect(auth.authenticate(token(KEY_A))).rejects.toMatchObject({
      kind: 'Unauthenticated',
    });
    await auth.authenticate(token(KEY_B));
    clock.now += 60_000;
    await auth.poll();
    const before = calls.resolve;
    await auth.authenticate(token(KEY_B));
    expect(calls.resolve).toBe(before + 1);
    await auth.close();
  });

  it('knows the admin token (by its digest) and nothing close to it', async () => {
    const { auth, calls } = setup();
    await auth.start();
    expect(await auth.authenticate(token(ADMIN))).toBe(ADMIN_PRINCIPAL);
    expect(await auth.authenticate(req({ authorization: `Bearer ${ADMIN}` }))).toBe(
      ADMIN_PRINCIPAL,
    );
    for (const guess of [ADMIN.slice(0, -1), `${ADMIN}x`, ADMIN.toUpperCase()]) {
      await expect(auth.authenticate(token(guess))).rejects.toMatchObject({
        kind: 'Unauthenticated',
      });
    }
    expect(calls.resolve).toBe(0);
    const without = new ApiKeyAuthenticator(controlPlane().client);
    await expect(without.authenticate(token(ADMIN))).rejects.toMatchObject({
      kind: 'Unauthenticated',
    });
    await auth.close();
  });
});
