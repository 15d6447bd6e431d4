import { afterAll, describe, expect, it } from 'vitest';
import { SingleNodeProcess } from '@huedb/testing';

/**
 * Single-node durability: kill -9 in the middle of a concurrent write load, start again on the same
 * data directory, and every acknowledged record is there (the local WAL fsyncs before the ack).
 */
describe('single-node survives kill -9 under write load', () => {
  let node: SingleNodeProcess | undefined;

  afterAll(async () => {
    await node?.kill('SIGTERM');
  });

  it('keeps every acknowledged write and restarts in seconds', async () => {
    const startedAt = Date.now();
    node = await SingleNodeProcess.start();
    const coldStartMs = Date.now() - startedAt;
    const base = `${node.url}/api/v2/tenants/default_tenant/databases/default_database`;
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const { id } = (await (await post('/collections', { name: 'durable' })).json()) as {
      id: string;
    };

    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let batch = 0; !stop && batch < 10_000; batch++) {
        const ids = Array.from({ length: 20 }, (_, i) => `w${w}-b${batch}-${i}`);
        try {
          const res = await post(`/collections/${id}/add`, {
            ids,
            embeddings: ids.map((_, i) => [w, batch, i]),
            metadatas: ids.map(() => ({ w, batch })),
          });
          if (res.status === 201) acknowledged.push(...ids);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    // Kill once a good amount is acknowledged (poll, no fixed sleep).
    const deadline = Date.now() + 60_000;
    while (acknowledged.length < 2_000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await node.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThanOrEqual(2_000);

    const restartMs = await node.restart();
    const count = (await (await fetch(`${base}/collections/${id}/count`)).json()) as number;
    // Writes in flight at the kill may or may not have landed; acknowledged ones must have.
    expect(count).toBeGreaterThanOrEqual(acknowledged.length);
    expect(count % 20).toBe(0); // batches are atomic
    const present = new Set<string>();
    for (let i = 0; i < acknowledged.length; i += 1_000) {
      const res = await post(`/collections/${id}/get`, {
        ids: acknowledged.slice(i, i + 1_000),
        include: [],
      });
      for (const got of ((await res.json()) as { ids: string[] }).ids) present.add(got);
    }
    expect(acknowledged.filter((rid) => !present.has(rid))).toEqual([]);
    console.log(
      `single-node: cold start ${coldStartMs} ms, restart after kill -9 ${restartMs} ms, ` +
        `${acknowledged.length} acknowledged records all present (count ${count})`,
    );
  });
});
