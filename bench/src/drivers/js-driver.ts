import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ChromaClient, ChromaRateLimitError, type Collection, type Where } from 'chromadb';
import { idOf, indexOfId, row, whereOf, type Dataset, type FilterSpec } from '../dataset.js';
import { closedLoop, sleep } from '../measure.js';
import { BENCH_DIR, type BenchOptions } from '../options.js';
import {
  FRESHNESS_DEADLINE_MS,
  MAX_BACKOFF_RETRIES,
  hnswConfiguration,
  type FirstQueries,
  type FreshnessOutcome,
  type HttpDriver,
  type IngestOutcome,
  type QueryOutcome,
} from './driver.js';

// The package's exports do not include package.json: read it from where pnpm linked it.
const CHROMADB_VERSION = (
  JSON.parse(
    readFileSync(path.join(BENCH_DIR, 'node_modules', 'chromadb', 'package.json'), 'utf8'),
  ) as { version: string }
).version;

/**
 * Chroma's official JS client (npm `chromadb`), in this process. With several base URLs (the
 * cluster's gateways), concurrent workers spread over them; adds go to the first.
 */
export class JsDriver implements HttpDriver {
  readonly client = `chromadb JS ${CHROMADB_VERSION}`;
  private clients: ChromaClient[] = [];
  private readonly collections = new Map<string, Collection>();

  constructor(
    private readonly urls: string[],
    private readonly options: BenchOptions,
    private readonly headers: Record<string, string> = {},
  ) {
    this.connect();
  }

  async ingest(name: string, dataset: Dataset, concurrency: number): Promise<IngestOutcome> {
    const collection = await this.clients[0]!.createCollection({
      name,
      configuration: { hnsw: hnswConfiguration(this.options) },
      embeddingFunction: null,
    });
    this.collections.set(`0/${name}`, collection);
    const batchSize = await this.clients[0]!.getMaxBatchSize();
    const { size, dim } = dataset.spec;
    const batches = Math.ceil(size / batchSize);
    let retries = 0;
    let lastAck = 0;
    const addBatch = async (b: number) => {
      const from = b * batchSize;
      const to = Math.min(size, from + batchSize);
      const ids: string[] = [];
      const embeddings: number[][] = [];
      const metadatas: { bucket: number }[] = [];
      for (let i = from; i < to; i++) {
        ids.push(idOf(i));
        embeddings.push(row(dataset.base, dim, i));
        metadatas.push({ bucket: dataset.buckets[i]! });
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await collection.add({ ids, embeddings, metadatas });
          lastAck = Date.now();
          return;
        } catch (err) {
          // 429 Backoff: the log's tail is over its limit until compaction catches up.
          if (!(err instanceof ChromaRateLimitError) || attempt >= MAX_BACKOFF_RETRIES) throw err;
          retries++;
          await sleep(Math.min(2_000, 25 * 2 ** Math.min(attempt, 7)));
        }
      }
    };
    const { stats } = await closedLoop(batches, concurrency, addBatch);
    if (stats.errors > 0)
      throw new Error(`${stats.errors} of ${batches} adds failed: ${stats.firstError}`);
    const seconds = stats.wallMs / 1000;
    return {
      collectionId: collection.id,
      records: size,
      batchSize,
      concurrency,
      seconds,
      recordsPerSec: size / seconds,
      retries,
      lastAckEpochMs: lastAck,
    };
  }

  async query(
    name: string,
    dataset: Dataset,
    filter: FilterSpec,
    concurrency: number,
    warmup: number,
    budgetMs: number,
  ): Promise<QueryOutcome> {
    const { queries: count, dim, k } = dataset.spec;
    const vectors = Array.from({ length: count }, (_, q) => row(dataset.queries, dim, q));
    const where = whereOf(filter) as Where | undefined;
    const one = async (q: number, worker: number) => {
      const collection = await this.collection(name, worker);
      const result = await collection.query({
        queryEmbeddings: [vectors[q % count]!],
        nResults: k,
        ...(where ? { where } : {}),
        include: ['distances'],
      });
      return (result.ids[0] ?? []).map(indexOfId);
    };
    await closedLoop(Math.min(warmup, count), concurrency, one, budgetMs / 3);
    const { stats, results } = await closedLoop(count, concurrency, one, budgetMs);
    return { stats, ids: results };
  }

  async freshness(name: string, dataset: Dataset, probes: number): Promise<FreshnessOutcome> {
    const writer = await this.collection(name, 0);
    const reader = await this.collection(name, 1);
    const { dim } = dataset.spec;
    const lagMs: number[] = [];
    let visibleOnFirstQuery = 0;
    let neverVisible = 0;
    let neverQueriedButStored = 0;
    for (let p = 0; p < Math.min(probes, dataset.spec.fresh); p++) {
      const id = `fresh-${p}`;
      const embedding = row(dataset.fresh, dim, p);
      await writer.add({
        ids: [id],
        embeddings: [embedding],
        metadatas: [{ bucket: 100, probe: p }],
      });
      const acked = performance.now();
      const deadline = acked + FRESHNESS_DEADLINE_MS;
      for (let attempt = 0; ; attempt++) {
        // Filtered to the probe's own metadata: an unfiltered k = 1 query for its vector could
        // miss it by HNSW approximation (Chroma did, on 1 of 50 probes), which is recall, not
        // visibility.
        const result = await reader.query({
          queryEmbeddings: [embedding],
          nResults: 1,
          where: { probe: p },
          include: ['distances'],
        });
        if (result.ids[0]?.[0] === id) {
          lagMs.push(performance.now() - acked);
          if (attempt === 0) visibleOnFirstQuery++;
          break;
        }
        if (performance.now() > deadline) {
          neverVisible++;
          const stored = await reader.get({ ids: [id], include: [] });
          if (stored.ids.includes(id)) neverQueriedButStored++;
          break;
        }
        await sleep(5);
      }
    }
    return {
      probes: Math.min(probes, dataset.spec.fresh),
      visibleOnFirstQuery,
      neverVisible,
      neverQueriedButStored,
      lagMs,
      route: this.urls.length > 1 ? 'add via gateway 0, query via gateway 1' : 'same endpoint',
    };
  }

  async firstQueries(name: string, dataset: Dataset): Promise<FirstQueries> {
    // New clients: a restarted server closed the old keep-alive connections.
    this.connect();
    const collection = await this.collection(name, 0);
    const { dim, k } = dataset.spec;
    const time = async (q: number) => {
      const started = performance.now();
      const result = await collection.query({
        queryEmbeddings: [row(dataset.queries, dim, q)],
        nResults: k,
        include: ['distances'],
      });
      return { ms: performance.now() - started, ids: result.ids[0] ?? [] };
    };
    const first = await time(0);
    const second = await time(1 % dataset.spec.queries);
    return { firstMs: first.ms, secondMs: second.ms, firstIds: first.ids, secondIds: second.ids };
  }

  async deleteCollection(name: string): Promise<void> {
    await this.clients[0]!.deleteCollection({ name });
    for (const key of [...this.collections.keys()])
      if (key.endsWith(`/${name}`)) this.collections.delete(key);
  }

  close(): void {
    this.collections.clear();
    this.clients = [];
  }

  private connect(): void {
    this.collections.clear();
    this.clients = this.urls.map((url) => {
      const u = new URL(url);
      return new ChromaClient({
        host: u.hostname,
        port: Number(u.port),
        ssl: false,
        headers: this.headers,
      });
    });
  }

  /** The collection handle on the client of `worker`'s gateway (fetched once). */
  private async collection(name: string, worker: number): Promise<Collection> {
    const g = worker % this.clients.length;
    const key = `${g}/${name}`;
    let collection = this.collections.get(key);
    if (!collection) {
      collection = await this.clients[g]!.getCollection({ name });
      this.collections.set(key, collection);
    }
    return collection;
  }
}
