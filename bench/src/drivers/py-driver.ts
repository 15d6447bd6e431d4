import path from 'node:path';
import { whereOf, type Dataset, type FilterSpec } from '../dataset.js';
import { summarize } from '../measure.js';
import { BENCH_DIR, type BenchOptions } from '../options.js';
import { chromaEnv, run, type ChromaVenv } from '../python.js';
import {
  hnswConfiguration,
  type FirstQueries,
  type FreshnessOutcome,
  type HttpDriver,
  type IngestOutcome,
  type QueryOutcome,
} from './driver.js';

const SCRIPT = path.join(BENCH_DIR, 'py', 'chroma_driver.py');

/**
 * Chroma's official Python client (`chromadb` from the bench's virtualenv), one
 * bench/py/chroma_driver.py process per phase. Each phase's timing is taken inside Python, so
 * process start and imports are not counted.
 */
export class PyDriver implements HttpDriver {
  readonly client: string;

  constructor(
    private readonly urls: string[],
    private readonly options: BenchOptions,
    private readonly venv: ChromaVenv,
    clientVersion: string,
    /** The server's API token, if it runs with auth (passed in the environment, not argv). */
    private readonly token?: string,
  ) {
    this.client = `chromadb Python ${clientVersion}`;
  }

  /** The installed client's version. */
  static async version(venv: ChromaVenv): Promise<string> {
    return (
      JSON.parse(
        await run(venv.python, [SCRIPT, 'version'], { timeoutMs: 120_000, env: chromaEnv() }),
      ) as { version: string }
    ).version;
  }

  async ingest(collection: string, dataset: Dataset, concurrency: number): Promise<IngestOutcome> {
    return this.phase<IngestOutcome>('ingest', [
      '--dataset',
      dataset.dir,
      '--collection',
      collection,
      '--concurrency',
      String(concurrency),
      '--hnsw',
      JSON.stringify(hnswConfiguration(this.options)),
    ]);
  }

  async query(
    collection: string,
    dataset: Dataset,
    filter: FilterSpec,
    concurrency: number,
    warmup: number,
    budgetMs: number,
  ): Promise<QueryOutcome> {
    const where = whereOf(filter);
    const out = await this.phase<{
      latenciesMs: number[];
      ids: (number[] | null)[];
      errors: number;
      firstError: string | null;
      wallMs: number;
    }>('query', [
      '--dataset',
      dataset.dir,
      '--collection',
      collection,
      '--concurrency',
      String(concurrency),
      '--warmup',
      String(warmup),
      '--budget-s',
      String(budgetMs / 1000),
      ...(where ? ['--where', JSON.stringify(where)] : []),
    ]);
    return {
      stats: summarize(out.latenciesMs, out.wallMs, out.errors, out.firstError ?? undefined),
      ids: out.ids.map((ids) => ids ?? undefined),
    };
  }

  async freshness(collection: string, dataset: Dataset, probes: number): Promise<FreshnessOutcome> {
    return this.phase<FreshnessOutcome>('freshness', [
      '--read-url',
      this.urls[1 % this.urls.length]!,
      '--dataset',
      dataset.dir,
      '--collection',
      collection,
      '--probes',
      String(probes),
    ]);
  }

  async firstQueries(collection: string, dataset: Dataset): Promise<FirstQueries> {
    return this.phase<FirstQueries>('first-query', [
      '--dataset',
      dataset.dir,
      '--collection',
      collection,
    ]);
  }

  async deleteCollection(collection: string): Promise<void> {
    await this.phase('delete', ['--collection', collection]);
  }

  close(): void {}

  private async phase<T>(name: string, args: string[]): Promise<T> {
    const stdout = await run(this.venv.python, [SCRIPT, name, '--url', this.urls[0]!, ...args], {
      timeoutMs: this.options.timeoutS * 1000,
      env: { ...chromaEnv(), ...(this.token ? { CHROMA_BENCH_TOKEN: this.token } : {}) },
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(last) as T;
    } catch {
      throw new Error(`chroma_driver.py ${name} printed no JSON result: ${last.slice(0, 300)}`);
    }
  }
}
