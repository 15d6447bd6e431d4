import type { ChromaClient } from 'chromadb';
import { describe, expect, it } from 'vitest';
import { getGatewayUrls } from '@huedb/testing';
import { chromaClient, collectionName } from './support.js';

/**
 * A read sees every write acknowledged before it started, whichever gateway took the write: the
 * reading gateway's query node pulls the log up to the bound ScoutLogs gives it. The cross-gateway
 * case needs two gateways; a deployment with one (single-node) runs the same-gateway case only and
 * reports the other as skipped rather than passing it through the same gateway twice.
 */
const GATEWAYS = getGatewayUrls().length;

describe('read-your-writes', () => {
  it('a write acknowledged by a gateway is visible at once through the same gateway', async () => {
    await expectReadYourWrites(chromaClient(0), chromaClient(0));
  });

  it.skipIf(GATEWAYS < 2)(
    'a write acknowledged by gateway 0 is visible at once through gateway 1 (across gateways)',
    async () => {
      expect(new URL(getGatewayUrls()[1]!).port).not.toBe(new URL(getGatewayUrls()[0]!).port);
      await expectReadYourWrites(chromaClient(0), chromaClient(1));
    },
  );
});

async function expectReadYourWrites(writer: ChromaClient, reader: ChromaClient): Promise<void> {
  const name = collectionName('ryw');
  await writer.createCollection({ name, embeddingFunction: null });
  const w = await writer.getCollection({ name, embeddingFunction: undefined });
  const r = await reader.getCollection({ name, embeddingFunction: undefined });
  for (let i = 0; i < 25; i++) {
    const id = `r${i}`;
    const vector = [i, i + 1, i + 2];
    await w.add({ ids: [id], embeddings: [vector], metadatas: [{ i }] });
    // No wait, no retry: the very next reads must see it.
    expect(await r.count()).toBe(i + 1);
    const got = await r.get({ ids: [id] });
    expect(got.metadatas).toEqual([{ i }]);
    const nearest = await r.query({ queryEmbeddings: [vector], nResults: 1 });
    expect(nearest.ids).toEqual([[id]]);
    // And the other way round for updates.
    await r.update({ ids: [id], metadatas: [{ i, seen: true }] });
    expect((await w.get({ ids: [id] })).metadatas).toEqual([{ i, seen: true }]);
  }
}
