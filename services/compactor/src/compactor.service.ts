import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Collection, CatalogService } from '@huedb/proto/catalog';
import {
  LogRecordSchema,
  Operation,
  type LogService,
  type PositionedBatch,
} from '@huedb/proto/log';
import { Code, firstAvailable, PULL_PAGE_RECORDS, RpcError, type ServiceClient } from '@huedb/grpc';
import { toBinary } from '@bufbuild/protobuf';
import {
  applyLogBatches,
  applyLogRecord,
  CollectionSettingsCache,
  rendezvousPick,
  type LiveRecord,
} from '@huedb/core';
import {
  segmentPrefix,
  uploadSegment,
  writeSegment,
  type HnswParams,
  type Segment,
} from '@huedb/index';
import type { ObjectStore } from '@huedb/storage';
import { membershipObserver, usageCounter, type Logger } from '@huedb/service';
import type { CompactorConfig } from './config.js';
import {
  collectionsDue,
  compactedRecords,
  compactionDuration,
  compactionLag,
} from './compactor-metrics.js';
import type { SegmentCache } from '@huedb/index';

/** Where the compactor opens the current segment version from. */
export type SegmentLoader = Pick<SegmentCache, 'load'>;

/** What one compaction did. */
export interface CompactionOutcome {
  collectionId: string;
  version: bigint;
  logPosition: bigint;
  recordCount: number;
  recordsCompacted: number;
  /** What a compaction that built a new version did (absent when there was nothing new). */
  batches?: number;
  previousVersion?: bigint;
  /** Files of the new segment version. */
  segmentFiles?: number;
  /** Superseded versions GC forgot, and how many of them it deleted (no fork referenced them). */
  versionsForgotten?: number;
  segmentsDeleted?: number;
}

/** Everything the compactor talks to. */
export interface CompactorDeps {
  catalog: ServiceClient<typeof CatalogService>;
  /** Log instances for a collection, preferred first. */
  logsFor(collectionId: string): ServiceClient<typeof LogService>[];
  store: ObjectStore;
  segments: SegmentLoader;
}

/** Lost compare-and-swaps in a row before giving up on a collection until the next round. */
const MAX_CAS_ATTEMPTS = 3;
/** Forks awaiting their first compaction considered per round. */
const PENDING_FORKS_PER_ROUND = 100;

/**
 * Turns collections' log tails into new immutable segment versions:
 *
 *   catalog row (V, L) ─▶ PullLogs [parent tails…] + [L, bound) ─▶ materialize on segment V
 *     ─▶ build V+1 (worker) ─▶ upload under a new prefix ─▶ catalog CAS (V → V+1, L → L')
 *     ─▶ AdvanceCompactionCursor(min(L', what live forks still read)) ─▶ reference-aware GC
 *
 * Order matters: the catalog is registered before the log's cursor moves, so the catalog's
 * position never lags the log's — a crash at any step leaves a state the next round completes
 * (an orphaned upload at worst, which GC removes). A lost CAS (another compactor, or a retry)
 * starts over from the new version.
 */
export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly inFlight = new Map<string, Promise<CompactionOutcome>>();
  /** Logs compactors joining and leaving the ownership ring, and counts them. */
  private readonly observeRing: (memberIds: readonly string[]) => void;

  /**
   * @param log - where compactions, failures and ring changes are logged (collection ids and
   *   counts only: never records)
   */
  constructor(
    private readonly deps: CompactorDeps,
    private readonly config: CompactorConfig,
    private readonly log: Logger,
  ) {
    this.observeRing = membershipObserver('compactor', log);
  }

  /** Polls for work every pollIntervalMs until stop(). */
  start(): void {
    if (!this.config.enabled || this.timer) return;
    const tick = () => {
      this.running = this.runOnce()
        .then(() => undefined)
        // Retried on the next tick; a catalog or log outage shows up here once per round.
        .catch((err: unknown) => this.log.warn({ err }, 'compaction: round failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.config.pollIntervalMs);
        });
    };
    this.timer = setTimeout(tick, this.config.pollIntervalMs);
  }

  /** Stops polling and waits for the round in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.allSettled(this.inFlight.values());
  }

  /** One round: compact every due collection this instance owns (rendezvous over live compactors). */
  async runOnce(): Promise<CompactionOutcome[]> {
    const [{ members }, due] = await Promise.all([
      this.deps.catalog.listMembers({
        role: 'compactor',
        maxAgeMs: BigInt(this.config.memberMaxAgeMs),
      }),
      this.dueCollections(),
    ]);
    const ids = members.map((m) => m.id);
    if (!ids.includes(this.config.memberId)) ids.push(this.config.memberId);
    this.observeRing(ids);
    const outcomes: CompactionOutcome[] = [];
    for (const collectionId of due) {
      if (rendezvousPick(collectionId, ids, 1)[0] !== this.config.memberId) continue;
      try {
        outcomes.push(await this.compact(collectionId));
      } catch (err) {
        this.log.warn({ err, collectionId }, 'compaction: failed; retrying next round');
      }
    }
    return outcomes;
  }

  /** Compacts one collection now (one at a time per collection). */
  compact(collectionId: string): Promise<CompactionOutcome> {
    const existing = this.inFlight.get(collectionId);
    if (existing) return existing;
    const done = compactionDuration.startTimer();
    const started = Date.now();
    const work = this.compactWithRetries(collectionId)
      .then(
        (outcome) => {
          done({ outcome: outcome.recordsCompacted > 0 ? 'compacted' : 'nothing' });
          compactedRecords.inc(outcome.recordsCompacted);
          if (outcome.recordsCompacted > 0) {
            this.log.info(
              { ...fieldsOf(outcome), durationMs: Date.now() - started },
              'compaction: finished',
            );
          } else {
            this.log.debug(
              { collectionId, durationMs: Date.now() - started },
              'compaction: nothing new',
            );
          }
          return outcome;
        },
        (err: unknown) => {
          done({ outcome: 'failed' });
          throw err;
        },
      )
      .finally(() => this.inFlight.delete(collectionId));
    this.inFlight.set(collectionId, work);
    return work;
  }

  /**
   * Collections with a tail over the thresholds, plus forks not compacted since forking: their
   * parent tails pin their ancestors' logs (see compactOnce), and their own log may be empty, so
   * the log does not list them.
   */
  private async dueCollections(): Promise<string[]> {
    if (this.deps.logsFor('').length === 0) return [];
    // Any log instance answers for all (they read the same log); an unreachable one must not
    // stop every compaction, so the next is asked.
    const [{ collections }, { collectionIds: forks }] = await Promise.all([
      this.firstLog('', (log) =>
        log.collectionsToCompact({
          minRecords: BigInt(this.config.minRecords),
          minAgeMs: BigInt(this.config.maxAgeMs),
        }),
      ),
      this.deps.catalog.listPendingForks({ limit: PENDING_FORKS_PER_ROUND }),
    ]);
    const oldest = collections.reduce(
      (min, c) => (c.firstAppendedAtMs < min ? c.firstAppendedAtMs : min),
      BigInt(Date.now()),
    );
    compactionLag.set(Math.max(0, Date.now() - Number(oldest)) / 1000);
    const due = [...new Set([...collections.map((c) => c.collectionId), ...forks])];
    collectionsDue.set(due.length);
    return due;
  }

  private async compactWithRetries(collectionId: string): Promise<CompactionOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.compactOnce(collectionId);
      } catch (err) {
        if (RpcError.is(err, Code.FAILED_PRECONDITION) && attempt < MAX_CAS_ATTEMPTS) {
          // Another compactor (a ring change) or a retry registered first: start over from it.
          this.log.info({ collectionId, attempt }, 'compaction: lost the version race; retrying');
          continue;
        }
        throw err;
      }
    }
  }

  private async compactOnce(collectionId: string): Promise<CompactionOutcome> {
    const startedAt = performance.now();
    let row: Collection;
    try {
      row = (await this.deps.catalog.getCollectionById({ id: collectionId })).collection!;
    } catch (err) {
      if (!RpcError.is(err, Code.NOT_FOUND)) throw err;
      // Deleted: its tail is garbage and must not hold back truncation — unless live forks still
      // read part of it (their parent tails); then only what they no longer need may go.
      const retainFrom = await this.retainFrom(collectionId);
      if (retainFrom === undefined) {
        await this.firstLog(collectionId, (log) => log.purgeCollection({ collectionId }));
      } else {
        await this.advanceCursor(collectionId, retainFrom);
      }
      this.log.info(
        { collectionId, keptForForksFrom: retainFrom?.toString() },
        retainFrom === undefined
          ? 'compaction: collection deleted; log purged'
          : 'compaction: collection deleted; log truncated up to what forks still read',
      );
      return { collectionId, version: 0n, logPosition: 0n, recordCount: 0, recordsCompacted: 0 };
    }
    const { toPosition } = await this.firstLog(collectionId, (log) =>
      log.scoutLogs({ collectionId }),
    );
    // A fork not compacted since forking holds its ancestors' log ranges first, then its own.
    const parentBatches: PositionedBatch[] = [];
    for (const tail of row.parentTails) {
      parentBatches.push(
        ...(await this.pull(tail.collectionId, tail.fromPosition, tail.toPosition)),
      );
    }
    const ownBatches = await this.pull(collectionId, row.logPosition, toPosition);
    if (ownBatches.length === 0 && row.parentTails.length === 0) {
      // Nothing new, but a crash between a CAS and its cursor advance may have left the log
      // behind the catalog: advancing to the catalog's position is always safe.
      await this.advanceCursor(collectionId, row.logPosition);
      return {
        collectionId,
        version: row.version,
        logPosition: row.logPosition,
        recordCount: 0,
        recordsCompacted: 0,
      };
    }
    const batches = [...parentBatches, ...ownBatches];
    this.log.debug(
      {
        collectionId,
        version: row.version,
        fromPosition: row.logPosition,
        toPosition,
        batches: batches.length,
        parentTails: row.parentTails.length,
      },
      'compaction: started',
    );
    const newPosition =
      ownBatches.length > 0 ? ownBatches[ownBatches.length - 1]!.logPosition + 1n : row.logPosition;
    // By key, not version: a fork is at version 0 on its source's segment.
    const previous = row.segmentManifestKey
      ? await this.deps.segments.load(row.segmentManifestKey)
      : undefined;

    const records = new Map<string, LiveRecord>();
    if (previous)
      for (let i = 0; i < previous.size; i++) {
        const record = previous.record(i);
        records.set(record.id, record);
      }
    applyLogBatches(records, parentBatches);
    const written = applyMetered(records, ownBatches);
    const recordsCompacted = batches.reduce((n, b) => n + b.records.length, 0);

    await mkdir(this.config.workDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.config.workDir, `${collectionId}-`));
    try {
      const built = path.join(dir, 'segment');
      const manifest = await writeSegment(built, [...records.values()], hnswParams(row, previous), {
        previous,
      });
      failpoint('after-build');
      const version = row.version + 1n;
      const prefix = `tenants/${row.tenant}/databases/${row.databaseId}/collections/${row.id}/v${version}-${randomUUID()}`;
      const manifestKey = await uploadSegment(this.deps.store, built, prefix);
      failpoint('after-upload');
      const usage = {
        ...written,
        compactionMs: BigInt(Math.round(performance.now() - startedAt)),
        storedBytes: BigInt(manifest.files.reduce((sum, file) => sum + file.bytes, 0)),
      };
      try {
        await this.deps.catalog.registerCompaction({
          collectionId,
          expectedVersion: row.version,
          logPosition: newPosition,
          manifestKey,
          recordCount: BigInt(records.size),
          recordsCompacted: BigInt(recordsCompacted),
          usage,
        });
      } catch (err) {
        // Nobody will ever read this upload: remove it now rather than waiting for GC.
        await this.deps.store.deletePrefix(`${prefix}/`).catch(() => 0);
        throw err;
      }
      failpoint('after-register');
      const meter = usageCounter();
      meter.inc({ metric: 'records_written' }, Number(usage.recordsWritten));
      meter.inc({ metric: 'records_deleted' }, Number(usage.recordsDeleted));
      meter.inc({ metric: 'bytes_written' }, Number(usage.bytesWritten));
      meter.inc({ metric: 'compaction_ms' }, Number(usage.compactionMs));
      // Register in the catalog before advancing the cursor: the catalog's position must never
      // lag the log's, or a crash would lose the tail.
      await this.advanceCursor(collectionId, newPosition);
      failpoint('after-advance');
      const gc = await this.collectGarbage(collectionId).catch((err: unknown) => {
        this.log.warn(
          { err, collectionId },
          'compaction: segment GC failed; retrying after the next compaction',
        );
        return undefined;
      });
      return {
        collectionId,
        version,
        logPosition: newPosition,
        recordCount: records.size,
        recordsCompacted,
        batches: batches.length,
        previousVersion: row.version,
        segmentFiles: manifest.files.length,
        versionsForgotten: gc?.forgotten ?? 0,
        segmentsDeleted: gc?.deleted ?? 0,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Moves the log's compaction cursor to `position`, but never past what a live fork still reads
   * of this collection's log (its parent tail): the catalog names that bound. Asked after the
   * registration, so a fork made concurrently either started from the new position (and needs
   * nothing below it) or is already visible here.
   */
  private async advanceCursor(collectionId: string, position: bigint): Promise<void> {
    const retainFrom = await this.retainFrom(collectionId);
    const logPosition = retainFrom !== undefined && retainFrom < position ? retainFrom : position;
    await this.firstLog(collectionId, (log) =>
      log.advanceCompactionCursor({ collectionId, logPosition }),
    );
  }

  private async retainFrom(collectionId: string): Promise<bigint | undefined> {
    return (await this.deps.catalog.getLogRetention({ collectionId })).retainFrom;
  }

  /**
   * Forgets segment versions superseded more than gcGraceMs ago (a reader that started on one
   * before it was superseded has had that long to finish), then deletes the objects of those the
   * catalog says no live collection still references: a fork shares its source's objects, so
   * whichever of them forgets a shared version last deletes it. A crash between the two steps
   * leaves orphaned objects (wasted space), never a missing one.
   */
  private async collectGarbage(
    collectionId: string,
  ): Promise<{ forgotten: number; deleted: number }> {
    const { versions } = await this.deps.catalog.listSegmentVersions({ collectionId });
    const byVersion = [...versions].sort((a, b) => (a.version < b.version ? -1 : 1));
    const cutoff = BigInt(Date.now() - this.config.gcGraceMs);
    let below: bigint | undefined;
    for (let i = 0; i + 1 < byVersion.length; i++) {
      const superseded = byVersion[i + 1]!.createdAtMs;
      if (superseded > cutoff) break;
      below = byVersion[i]!.version + 1n;
    }
    if (below === undefined) return { forgotten: 0, deleted: 0 };
    const { unreferencedManifestKeys } = await this.deps.catalog.deleteSegmentVersions({
      collectionId,
      belowVersion: below,
    });
    for (const key of unreferencedManifestKeys) {
      await this.deps.store.deletePrefix(`${segmentPrefix(key)}/`);
    }
    const forgotten = byVersion.filter((v) => v.version < below).length;
    return { forgotten, deleted: unreferencedManifestKeys.length };
  }

  private async pull(collectionId: string, from: bigint, to: bigint): Promise<PositionedBatch[]> {
    const out: PositionedBatch[] = [];
    let next = from;
    while (next < to) {
      const { batches } = await this.firstLog(collectionId, (log) =>
        log.pullLogs({
          collectionId,
          fromPosition: next,
          toPosition: to,
          maxRecords: PULL_PAGE_RECORDS,
        }),
      );
      if (batches.length === 0) break;
      out.push(...batches);
      next = batches[batches.length - 1]!.logPosition + 1n;
    }
    return out;
  }

  private async firstLog<T>(
    collectionId: string,
    call: (log: ServiceClient<typeof LogService>) => Promise<T>,
  ): Promise<T> {
    return firstAvailable(this.deps.logsFor(collectionId), call, {
      noneMessage: 'no log instance configured',
    });
  }
}

/**
 * The HNSW parameters a segment is built with, from the collection's settings (its schema's
 * vector index). A change of max_neighbors (allowed after creation) makes the next build a full
 * one: the segment writer only extends an index built with the same parameters.
 */
function hnswParams(row: Collection, previous: Segment | undefined): HnswParams {
  const { hnsw } = settingsCache.of(row);
  const dimension = row.dimension ?? previous?.manifest.dimension;
  if (dimension === undefined) throw new Error(`collection ${row.id} has data but no dimension`);
  return {
    space: hnsw.space,
    dimension,
    maxNeighbors: hnsw.max_neighbors,
    efConstruction: hnsw.ef_construction,
  };
}

/** A compaction's outcome as log fields (bigints as numbers or strings: JSON has no bigint). */
function fieldsOf(outcome: CompactionOutcome): Record<string, unknown> {
  return {
    collectionId: outcome.collectionId,
    version: Number(outcome.version),
    previousVersion:
      outcome.previousVersion === undefined ? undefined : Number(outcome.previousVersion),
    logPosition: outcome.logPosition.toString(),
    recordsCompacted: outcome.recordsCompacted,
    liveRecords: outcome.recordCount,
    batches: outcome.batches,
    segmentFiles: outcome.segmentFiles,
    versionsForgotten: outcome.versionsForgotten,
    segmentsDeleted: outcome.segmentsDeleted,
  };
}

/** Collections' settings, parsed once per change rather than per compaction round. */
const settingsCache = new CollectionSettingsCache();

/**
 * Crash points for fault tests: with HUEDB_COMPACTOR_FAILPOINT=<name> the process kills itself
 * (SIGKILL: no cleanup, like a power cut) when it reaches that step, so tests can check that the
 * next round completes whatever the crash left. Never set in production.
 */
function failpoint(
  name: 'after-build' | 'after-upload' | 'after-register' | 'after-advance',
): void {
  if (process.env.HUEDB_COMPACTOR_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}

/**
 * Applies the collection's own batches and meters them: the records that changed it, split into
 * writes and deletes, and their wire size (docs/decisions/0030-usage-metering.md). An add of an
 * id already there — a client retrying an acknowledged add — changes nothing and is not metered.
 */
function applyMetered(
  records: Map<string, LiveRecord>,
  batches: readonly PositionedBatch[],
): { recordsWritten: bigint; recordsDeleted: bigint; bytesWritten: bigint } {
  let writes = 0;
  let deletes = 0;
  let bytes = 0;
  for (const batch of batches) {
    for (const record of batch.records) {
      if (!applyLogRecord(records, record)) continue;
      if (record.operation === Operation.DELETE) deletes++;
      else writes++;
      bytes += toBinary(LogRecordSchema, record).byteLength;
    }
  }
  return {
    recordsWritten: BigInt(writes),
    recordsDeleted: BigInt(deletes),
    bytesWritten: BigInt(bytes),
  };
}
