import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, RpcError } from '@huedb/grpc';
import { CatalogService } from '@huedb/proto/catalog';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { generateTestPki, getInfra, LocalCluster, type TestPki } from '@huedb/testing';
import { databaseApi } from '../e2e/support.js';

/**
 * A cluster whose every gRPC link is mutual TLS (HUEDB_GRPC_TLS_* on every service, certificates
 * generated for the run): the Chroma API works end to end, and no backend answers a caller
 * without a certificate of the cluster's CA.
 */
describe('mutual TLS on every gRPC link of a cluster', () => {
  let dir: string;
  let pki: TestPki;
  let cluster: LocalCluster;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'huedb-cluster-tls-'));
    pki = await generateTestPki(dir);
    const tls = {
      HUEDB_GRPC_TLS_CERT: pki.certFile,
      HUEDB_GRPC_TLS_KEY: pki.keyFile,
      HUEDB_GRPC_TLS_CA: pki.caFile,
      HUEDB_GRPC_TLS_CLIENT_AUTH: 'true',
    };
    cluster = await LocalCluster.start({
      infra: getInfra(),
      gateways: 1,
      queryNodes: 1,
      compactors: 1,
      env: { catalog: tls, log: tls, query: tls, compactor: tls, gateway: tls },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves writes and reads through gateway, log, catalog and query node', async () => {
    const api = databaseApi(cluster.gatewayUrls[0]!, { token: cluster.adminToken });
    const created = await api('POST', '/collections', { name: 'tls' });
    expect(created.status).toBe(200);
    const { id } = created.body as { id: string };
    const added = await api('POST', `/collections/${id}/add`, {
      ids: ['a', 'b'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
    });
    expect(added.status).toBe(201);
    const queried = await api('POST', `/collections/${id}/query`, {
      query_embeddings: [[0, 1]],
      n_results: 1,
    });
    expect((queried.body as { ids: string[][] }).ids).toEqual([['b']]);
  });

  it('refuses plaintext callers on every backend, answers a cluster member', async () => {
    const clients = {
      catalog: (tls?: TestPki) =>
        createClient(CatalogService, cluster.addresses('catalog')[0]!, options(tls)),
      log: (tls?: TestPki) => createClient(LogService, cluster.addresses('log')[0]!, options(tls)),
      query: (tls?: TestPki) =>
        createClient(QueryService, cluster.addresses('query')[0]!, options(tls)),
    };
    for (const [role, make] of Object.entries(clients)) {
      const plaintext = make();
      const refused = await probe(plaintext).finally(() => plaintext.close());
      expect(RpcError.is(refused, Code.UNAVAILABLE), `${role} refuses plaintext`).toBe(true);
      const member = make(pki);
      const answered = await probe(member).finally(() => member.close());
      expect(answered, `${role} answers a cluster member`).toBeUndefined();
    }
  });
});

const options = (tls?: TestPki) => ({ timeoutMs: 3_000, retries: 0, tls });

/** One cheap read on whatever backend `client` is; undefined when it answered. */
async function probe(client: object): Promise<unknown> {
  const c = client as Record<string, (req: object) => Promise<unknown>>;
  const call = c.listMembers
    ? c.listMembers({ role: 'query' })
    : c.scoutLogs
      ? c.scoutLogs({ collectionId: '00000000-0000-0000-0000-000000000000' })
      : c.indexingStatus!({});
  return call.then(
    () => undefined,
    (err: unknown) => (RpcError.is(err, Code.UNAVAILABLE) ? err : undefined),
  );
}
