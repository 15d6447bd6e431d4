import { FILTERS, indexOfId, recallOf, type Dataset } from './dataset.js';
import type { HttpDriver, IngestOutcome } from './drivers/driver.js';
import { errorText, loadAverage, percentile, pollUntil } from './measure.js';
import type { BenchOptions } from './options.js';
import type { IndexedRow, QueryRow, TargetRun } from './results.js';
import type { ServerTarget } from './targets/target.js';

/** How often the collection is polled while waiting for compaction (ms). */
const INDEXED_POLL_MS = 50;

/** Mean recall@k of a query run's answers. */
export function meanRecall(
  dataset: Dataset,
  filter: string,
  ids: readonly (readonly number[] | undefined)[],
): number | undefined {
  const truth = dataset.truth.get(filter)!;
  let sum = 0;
  let n = 0;
  ids.forEach((answer, q) => {
    if (!answer) return;
    sum += recallOf(truth, dataset.spec.k, q, answer);
    n++;
  });
  return n ? sum / n : undefined;
}

/** The collection row as the HTTP API returns it (the fields the bench reads). */
interface CollectionState {
  version: number;
  logPosition: number;
}

const COLLECTIONS = '/api/v2/tenants/default_tenant/databases/default_database/collections';

/** The collection's version and log_position, from the HTTP API. */
async function collectionState(
  baseUrl: string,
  id: string,
  headers: Record<string, string> = {},
): Promise<CollectionState> {
  const url = `${baseUrl}${COLLECTIONS}/by-id/${id}`;
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { version?: number; log_position?: number };
  return { version: Number(body.version ?? 0), logPosition: Number(body.log_position ?? 0) };
}

/**
 * Waits until compaction has indexed every acknowledged write of an ingest, and says how long after
 * the last acknowledgement that was (see IndexedProbe for the three ways to tell).
 */
async function waitIndexed(
  target: ServerTarget,
  ingest: IngestOutcome,
  options: BenchOptions,
): Promise<IndexedRow> {
  const probe = target.indexedProbe;
  const baseUrl = target.baseUrls[0]!;
  const timeoutMs = options.timeoutS * 1000;
  switch (probe.kind) {
    case 'synchronous':
      return { method: 'synchronous', afterLastAckS: 0, note: probe.why };
    case 'log-position': {
      const end = Number(await probe.logEnd(ingest.collectionId));
      const state = await pollUntil(
        `log_position ≥ ${end}`,
        timeoutMs,
        INDEXED_POLL_MS,
        async () => {
          const s = await collectionState(baseUrl, ingest.collectionId, target.headers);
          return s.logPosition >= end ? s : undefined;
        },
      );
      return {
        method: 'log-position',
        afterLastAckS: (Date.now() - ingest.lastAckEpochMs) / 1000,
        version: state.version,
        note: `log_position reached ${end} (the log's end after the last ack), polled every ${INDEXED_POLL_MS} ms`,
      };
    }
    case 'segment-records': {
      let seen: { version: number; records: number } | undefined;
      const state = await pollUntil(
        `a segment version with all ${ingest.records} records`,
        timeoutMs,
        INDEXED_POLL_MS,
        async () => {
          seen = await probe.latestSegment(ingest.collectionId);
          if (!seen || seen.records < ingest.records) return undefined;
          const s = await collectionState(baseUrl, ingest.collectionId, target.headers);
          return s.version >= seen.version ? s : undefined;
        },
      );
      return {
        method: 'segment-records',
        afterLastAckS: (Date.now() - ingest.lastAckEpochMs) / 1000,
        version: state.version,
        note: `segment version ${seen?.version} holds all ${ingest.records} records and the catalog serves it, polled every ${INDEXED_POLL_MS} ms`,
      };
    }
  }
}

/**
 * Runs every phase against one server target for one dataset: ingest at each ingest concurrency
 * (a new collection each; the time until compaction has indexed it), queries on the last one
 * (warm, every filter, every concurrency, recall against the ground truth), freshness, and the
 * cold start. A failing phase is recorded and the next one still runs where it can.
 */
export async function runServer(
  target: ServerTarget,
  driver: HttpDriver,
  dataset: Dataset,
  options: BenchOptions,
  run: TargetRun,
  log: (m: string) => void,
): Promise<void> {
  const phase = async (name: string, body: () => Promise<void>): Promise<boolean> => {
    log(`${run.label}: ${name}…`);
    try {
      await body();
      return true;
    } catch (err) {
      run.phaseErrors.push({ phase: name, error: errorText(err) });
      log(`${run.label}: ${name} failed: ${errorText(err)}`);
      return false;
    }
  };
  const suffix = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  let queryCollection: string | undefined;
  for (const concurrency of options.ingestConcurrency) {
    const name = `bench-${dataset.spec.size}x${dataset.spec.dim}-c${concurrency}-${suffix}`;
    await phase(`ingest ${dataset.spec.size} records at concurrency ${concurrency}`, async () => {
      const out = await driver.ingest(name, dataset, concurrency);
      log(
        `${run.label}: ${Math.round(out.recordsPerSec)} records/s acknowledged; waiting for compaction…`,
      );
      // A compaction that never finishes is a finding, not a reason to skip the queries.
      const indexed = await waitIndexed(target, out, options).catch((err: unknown): IndexedRow => ({
        method: target.indexedProbe.kind,
        afterLastAckS: undefined,
        note: errorText(err),
      }));
      const { collectionId: _id, lastAckEpochMs: _ack, ...row } = out;
      run.ingest.push({ ...row, indexed });
      log(`${run.label}: indexed ${indexed.afterLastAckS?.toFixed(1) ?? '—'} s after the last ack`);
      // Keep only the newest collection: the earlier one would compete for memory and cache.
      if (queryCollection) await driver.deleteCollection(queryCollection).catch(() => undefined);
      queryCollection = name;
    });
  }
  if (!queryCollection) {
    run.status = 'failed';
    run.reason = 'no ingest succeeded, so nothing could be queried';
    return;
  }
  const collection = queryCollection;

  for (const filter of FILTERS) {
    for (const concurrency of options.concurrency) {
      await phase(`query filter ${filter.name} concurrency ${concurrency}`, async () => {
        const out = await driver.query(
          collection,
          dataset,
          filter,
          concurrency,
          options.warmup,
          options.queryBudgetS * 1000,
        );
        const row: QueryRow = {
          filter: filter.name,
          selectivity: filter.selectivity,
          concurrency,
          stats: out.stats,
          recall: meanRecall(dataset, filter.name, out.ids),
        };
        run.query.push(row);
        if (out.stats.errors > 0)
          run.notes.push(
            `query ${filter.name} c=${concurrency}: ${out.stats.errors} errors (${out.stats.firstError})`,
          );
      });
    }
  }

  await phase(`freshness (${options.freshness} probes)`, async () => {
    const out = await driver.freshness(collection, dataset, options.freshness);
    const sorted = [...out.lagMs].sort((a, b) => a - b);
    run.freshness = {
      probes: out.probes,
      visibleOnFirstQuery: out.visibleOnFirstQuery,
      neverVisible: out.neverVisible,
      neverQueriedButStored: out.neverQueriedButStored,
      lagP50Ms: percentile(sorted, 0.5),
      lagP95Ms: percentile(sorted, 0.95),
      lagMaxMs: sorted[sorted.length - 1] ?? Number.NaN,
      route: out.route,
    };
  });

  await phase('cold start', async () => {
    const restart = await target.restartQueryNode();
    const first = await driver.firstQueries(collection, dataset);
    const truth = dataset.truth.get('none')!;
    const { k } = dataset.spec;
    run.coldStart = {
      what: restart.what,
      restartMs: restart.restartMs,
      firstQueryMs: first.firstMs,
      secondQueryMs: first.secondMs,
      firstRecall: recallOf(truth, k, 0, first.firstIds.map(indexOfId)),
      secondRecall: recallOf(truth, k, 1 % dataset.spec.queries, first.secondIds.map(indexOfId)),
      firstIds: first.firstIds,
    };
  });

  await phase('delete the collection', () => driver.deleteCollection(collection));
  run.loadAfter = loadAverage();
}
