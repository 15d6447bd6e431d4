import { mkdir } from 'node:fs/promises';
import { DirectoryLock, type LockRefusal } from '@huedb/dir-lock';
import type { CollectionTail, PositionedBatch } from '@huedb/proto/log';
import { TailBackpressure } from './backpressure.js';
import { OffsetWaiters } from './deadline.js';
import {
  WalArgumentError,
  WalClosedError,
  WalDirectoryInUseError,
  WalError,
  WalTimeoutError,
  WalUnavailableError,
} from './errors.js';
import {
  decodeEntry,
  encodeBatchPayload,
  encodeCursorPayload,
  encodePurgePayload,
  frameSize,
  type EncodedEntry,
  type LocalEntry,
} from './local-frame.mapper.js';
import { PartitionTails, type TailSize } from './partition-tails.js';
import { WalSegmentFiles, type RecoveryReport } from './wal-segment-files.js';
import {
  assertCollectionId,
  assertNotCompacted,
  checkCompactionThresholds,
  checkCursor,
  checkCursorEnd,
  checkPositiveIntegers,
  checkPull,
  consoleWalLogger,
  describeCause as describe,
  dueForCompaction,
  encodeAppend,
  tailTotals,
} from './wal-front.js';
import { DEFAULT_TAIL_LIMITS } from './wal.js';
import type { LogRecordInit, PullOptions, TailLimits, WalLogger, WriteAheadLog } from './wal.js';

/** Options of {@link LocalWal.open}. Sizes are bytes, durations milliseconds. */
export interface LocalWalOptions {
  /** The directory of the log (created if missing). One process at a time may open it. */
  dir: string;
  /** Per-collection tail limits; each missing one is the default (100k records, 256 MiB). */
  tailLimits?: Partial<TailLimits>;
  /**
   * A segment file rolls over before a write would take it beyond this size; truncation deletes
   * whole files. Default 64 MiB. (A single batch larger than this gets a file of its own.)
   */
  segmentBytes?: number;
  /** Largest encoded batch accepted. Default 32 MiB, like the Kafka WAL. */
  maxBatchBytes?: number;
  /** How long a pull waits for its bound. Default 30 s. */
  pullTimeoutMs?: number;
  /** Delete segment files the cursors no longer need. Default true. */
  truncate?: boolean;
  /**
   * Once compaction has passed part of the active segment file and it holds at least this many
   * bytes, a new file starts, so that the old one can be deleted (restart reads stay small).
   * Default 4 MiB.
   */
  earlyRollBytes?: number;
  /** Default: console, prefixed "[huedb/wal]". */
  logger?: WalLogger;
  /** The clock tail ages are measured against (collectionsToCompact), Unix ms. Default Date.now. */
  clock?: () => number;
}

interface ResolvedOptions {
  dir: string;
  limits: TailLimits;
  segmentBytes: number;
  maxBatchBytes: number;
  pullTimeoutMs: number;
  truncate: boolean;
  earlyRollBytes: number;
  logger: WalLogger;
  clock: () => number;
}

/** An entry waiting for the writer. */
interface QueuedEntry {
  readonly encoded: EncodedEntry;
  /** What the log applies once the entry is durable (the same as recovery decodes). */
  readonly entry: LocalEntry;
  readonly frameBytes: number;
  /** Counted against the collection's tail until applied (batches only). */
  readonly reserved: TailSize | undefined;
  readonly resolve: (position: bigint) => void;
  readonly reject: (err: Error) => void;
}

/**
 * A write holds at most this much (more only for a single larger batch). Bigger groups amortize
 * the fsync further but delay the callers at their head.
 */
const MAX_GROUP_BYTES = 16 * 1024 * 1024;
/**
 * The active segment file rolls over early, once compaction has passed part of it and it holds
 * at least this much: small enough that a restart reads little beyond the uncompacted tails, large
 * enough that files stay few.
 */
const EARLY_ROLL_BYTES = 4 * 1024 * 1024;

/**
 * The write-ahead log of single-node mode: append-only segment files in one directory
 * (docs/architecture.md, "Single-node mode"; design notes in README.md, "Local WAL").
 *
 * Every entry — a batch, a cursor move, a purge — is a checksummed frame at the next position of
 * one global sequence (like the offsets of a single Kafka partition), so the log's state is
 * derived exactly as the Kafka WAL derives a partition's: a {@link PartitionTails} fed with the
 * entries in position order, at recovery from the files and afterwards from each write.
 *
 * Group commit: appends queue; one writer at a time writes everything queued (up to 16 MiB) with
 * one write and one fdatasync, applies it to the tails and only then resolves the appends. So an
 * append is acknowledged only once durable, `scout` (the next position) covers every acknowledged
 * append, and a pull waits only for appends not yet durable. One process owns the directory
 * (`<dir>/LOCK`); a second instance — in this process or another — is refused.
 */
export class LocalWal implements WriteAheadLog {
  /** The log's directory. */
  readonly dir: string;

  readonly #options: ResolvedOptions;
  readonly #lock: DirectoryLock;
  readonly #files: WalSegmentFiles;
  readonly #tails: PartitionTails;
  readonly #waiters = new OffsetWaiters();
  /** Counts batches queued or being written against their tails until applied. */
  readonly #backpressure: TailBackpressure;
  #queue: QueuedEntry[] = [];
  /** The running writer loop, if any. */
  #writer: Promise<void> | undefined;
  /** The last truncation; the next one starts after it (they edit the same file list). */
  #truncation: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    options: ResolvedOptions,
    lock: DirectoryLock,
    files: WalSegmentFiles,
    tails: PartitionTails,
  ) {
    this.dir = options.dir;
    this.#options = options;
    this.#lock = lock;
    this.#files = files;
    this.#tails = tails;
    this.#backpressure = new TailBackpressure(options.limits);
  }

  /**
   * Locks the directory (creating it if missing), recovers the log from its files — cutting off a
   * torn last write, rebuilding tails and cursors — and deletes files the cursors no longer need.
   * Rejects with WalUnavailableError when another process holds the directory, and with
   * WalCorruptionError when the files are damaged where a crash cannot explain it.
   */
  static async open(options: LocalWalOptions): Promise<LocalWal> {
    const resolved = resolveOptions(options);
    try {
      return await LocalWal.#open(resolved);
    } catch (err) {
      if (err instanceof WalError) throw err;
      throw new WalUnavailableError(
        `opening the write-ahead log in ${resolved.dir} failed: ${describe(err)}`,
        { cause: err },
      );
    }
  }

  static async #open(resolved: ResolvedOptions): Promise<LocalWal> {
    const started = Date.now();
    await mkdir(resolved.dir, { recursive: true });
    const lock = await DirectoryLock.acquire(resolved.dir, {
      refused: walLockRefused,
      onTakeover: (message) => resolved.logger.warn(message),
    });
    let files: WalSegmentFiles | undefined;
    try {
      // Positions below the first file's start were truncated: the log start implies that
      // everything below it is compacted, whatever cursors the deleted files held.
      let tails = new PartitionTails(0n);
      let report: RecoveryReport;
      ({ files, report } = await WalSegmentFiles.open(
        { dir: resolved.dir, segmentBytes: resolved.segmentBytes, logger: resolved.logger },
        {
          start: (logStart) => (tails = new PartitionTails(logStart)),
          entry: (position, appendedAtMs, entry) => {
            tails.apply(position, entry, appendedAtMs);
          },
        },
      ));
      if (tails.nextOffset !== files.nextPosition) {
        throw new Error(
          `recovery applied entries up to ${tails.nextOffset}, but the files end at ` +
            `${files.nextPosition}`,
        );
      }
      const wal = new LocalWal(resolved, lock, files, tails);
      // A deletion that failed, or was cut short by a crash, is retried now.
      if (resolved.truncate) {
        await wal.#truncate().catch((err: unknown) => {
          resolved.logger.warn(`deleting old segment files of ${resolved.dir} failed`, err);
        });
      }
      const durationMs = Date.now() - started;
      const recovered = await wal.collectionsToCompact(1, 0);
      resolved.logger.info(
        `${resolved.dir}: recovered ${report.entries} entries (${report.bytes} bytes) from ` +
          `${report.segments} segment files in ${durationMs} ms; next position ` +
          `${files.nextPosition}`,
        {
          event: 'wal-recovered',
          dir: resolved.dir,
          entries: report.entries,
          bytes: report.bytes,
          segmentFiles: report.segments,
          durationMs,
          nextPosition: files.nextPosition.toString(),
          ...tailTotals(recovered),
        },
      );
      return wal;
    } catch (err) {
      await files?.close().catch(() => {});
      await lock.release().catch(() => {});
      throw err;
    }
  }

  /** The segment files, oldest first. */
  get segmentFiles(): string[] {
    return this.#files.paths;
  }

  async append(collectionId: string, records: readonly LogRecordInit[]): Promise<bigint> {
    this.#assertOpen();
    const encoded = encodeAppend(
      collectionId,
      records,
      this.#options.maxBatchBytes,
      () => encodeBatchPayload(collectionId, records),
      (e) => e.payload.byteLength,
    );
    this.#backpressure.admit(collectionId, this.#tails.sizeOf(collectionId));
    // The tail keeps the records decoded from the bytes written — exactly what a restart
    // recovers — rather than the caller's objects, which the caller may still change.
    const entry = decodeEntry('batch', encoded.payload);
    const reserved: TailSize = { records: records.length, bytes: encoded.payload.byteLength };
    this.#backpressure.reserve(collectionId, reserved);
    return this.#enqueue(encoded, entry, reserved);
  }

  async scout(collectionId: string): Promise<bigint> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    // Appends resolve only after they were applied: the next position covers every one of them.
    return this.#tails.nextOffset;
  }

  async pull(
    collectionId: string,
    from: bigint,
    to: bigint,
    options: PullOptions = {},
  ): Promise<PositionedBatch[]> {
    this.#assertOpen();
    const maxRecords = checkPull(collectionId, from, to, options);
    if (from === to) return [];
    if (this.#tails.nextOffset < to) {
      const timeoutMs = this.#options.pullTimeoutMs;
      await this.#waiters.wait(
        to,
        timeoutMs,
        () =>
          new WalTimeoutError(
            `pull: the log of ${this.dir} is at position ${this.#tails.nextOffset}, still below ` +
              `${to} after ${timeoutMs} ms`,
          ),
        options.signal,
      );
    }
    assertNotCompacted(this.#tails.compactedTo(collectionId), collectionId, from);
    return this.#tails.pull(collectionId, from, to, maxRecords);
  }

  async collectionsToCompact(minRecords: number, minAgeMs: number): Promise<CollectionTail[]> {
    this.#assertOpen();
    checkCompactionThresholds(minRecords, minAgeMs);
    return dueForCompaction(this.#tails.tails(), minRecords, minAgeMs, this.#options.clock());
  }

  async advanceCursor(collectionId: string, position: bigint): Promise<void> {
    this.#assertOpen();
    checkCursor(collectionId, position);
    if (position <= this.#tails.cursorOf(collectionId)) return;
    checkCursorEnd(collectionId, position, this.#tails.nextOffset);
    const encoded = encodeCursorPayload(collectionId, position);
    await this.#enqueue(encoded, { kind: 'cursor', collectionId, position }, undefined);
  }

  async purge(collectionId: string): Promise<void> {
    this.#assertOpen();
    assertCollectionId(collectionId);
    await this.#enqueue(
      encodePurgePayload(collectionId),
      { kind: 'purge', collectionId },
      undefined,
    );
  }

  /**
   * Deletes the segment files the cursors no longer need, now, and returns the log start after it.
   * (The log also does this by itself whenever a cursor moves; this is for operators and tests.)
   */
  async truncate(): Promise<bigint> {
    this.#assertOpen();
    await this.#truncate();
    return this.#files.logStart;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    // Appends already accepted are written (and acknowledged) before the files close.
    while (this.#writer) await this.#writer;
    await this.#truncation;
    this.#waiters.rejectAll(new WalClosedError());
    try {
      await this.#files.close();
    } finally {
      await this.#lock.release();
    }
  }

  #enqueue(
    encoded: EncodedEntry,
    entry: LocalEntry,
    reserved: TailSize | undefined,
  ): Promise<bigint> {
    return new Promise<bigint>((resolve, reject) => {
      this.#queue.push({
        encoded,
        entry,
        frameBytes: frameSize(encoded),
        reserved,
        resolve,
        reject,
      });
      this.#writer ??= this.#drain();
    });
  }

  /**
   * Writes what is queued, group by group, until the queue is empty. Entries queued while a group
   * is being written form the next group: that is the group commit. Never rejects.
   *
   * `#writer` is cleared in the same synchronous step that finds the queue empty, so an entry
   * queued at any moment either is seen by this loop or starts a new one.
   */
  async #drain(): Promise<void> {
    // Let the callers of this tick join the first group.
    await Promise.resolve();
    for (;;) {
      if (this.#queue.length === 0) {
        this.#writer = undefined;
        return;
      }
      const group = this.#takeGroup();
      try {
        await this.#writeGroup(group);
      } catch (err) {
        // A bug, not an I/O failure (#writeGroup settles those itself): fail the group loudly.
        this.#options.logger.warn(`the writer of ${this.dir} failed`, err);
        const failure = new WalUnavailableError(`the writer of ${this.dir} failed`, { cause: err });
        for (const queued of group) queued.reject(failure);
      }
    }
  }

  /** Writes one group, applies it, and settles its entries. */
  async #writeGroup(group: readonly QueuedEntry[]): Promise<void> {
    const appendedAtMs = Date.now();
    let first: bigint;
    try {
      first = await this.#files.append(
        group.map((q) => q.encoded),
        appendedAtMs,
      );
    } catch (err) {
      const failure =
        err instanceof WalError
          ? err
          : new WalUnavailableError(`writing to ${this.dir} failed: ${describe(err)}`, {
              cause: err,
            });
      for (const queued of group) {
        if (queued.reserved) this.#backpressure.release(queued.entry.collectionId, queued.reserved);
        queued.reject(failure);
      }
      return;
    }
    let cursorsMoved = false;
    group.forEach((queued, i) => {
      if (this.#tails.apply(first + BigInt(i), queued.entry, appendedAtMs)) cursorsMoved = true;
      if (queued.reserved) this.#backpressure.release(queued.entry.collectionId, queued.reserved);
    });
    this.#waiters.notify(this.#tails.nextOffset);
    const truncate = cursorsMoved && this.#options.truncate;
    // Once compaction has passed part of the active file, start a new one (here, between two
    // writes of this loop, where nothing else appends; before the cursor move is acknowledged, so
    // that a truncation asked after it sees the new file), so that the old one can go as soon as
    // compaction passes the rest: a restart then reads what is uncompacted plus at most
    // earlyRollBytes, not everything since the last 64 MiB rollover.
    if (
      truncate &&
      this.#files.activeBytes >= this.#options.earlyRollBytes &&
      this.#tails.truncationTarget() > this.#files.activeBase
    ) {
      try {
        await this.#files.rollOver();
      } catch (err) {
        // The next write reports the log broken (WalSegmentFiles): reopening recovers.
        this.#options.logger.warn(`starting a new segment file in ${this.dir} failed`, err);
      }
    }
    group.forEach((queued, i) => queued.resolve(first + BigInt(i)));
    if (truncate) {
      await this.#truncate().catch((err: unknown) => {
        // Retried when the next cursor moves, and at every open.
        this.#options.logger.warn(`deleting old segment files of ${this.dir} failed`, err);
      });
    }
  }

  /** The next group: queued entries in order, as many as one write may hold. */
  #takeGroup(): QueuedEntry[] {
    const budget = Math.min(MAX_GROUP_BYTES, this.#files.writeBudget(this.#queue[0]!.frameBytes));
    let bytes = 0;
    let count = 0;
    for (const queued of this.#queue) {
      if (count > 0 && bytes + queued.frameBytes > budget) break;
      bytes += queued.frameBytes;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  /**
   * Deletes whole segment files below the oldest uncompacted batch of any collection (never the
   * active file), after any truncation still running.
   */
  #truncate(): Promise<void> {
    const run = this.#truncation.then(async () => {
      const deleted = await this.#files.deleteBelow(this.#tails.truncationTarget());
      if (deleted > 0) this.#tails.setLogStart(this.#files.logStart);
    });
    this.#truncation = run.catch(() => {});
    return run;
  }

  #assertOpen(): void {
    if (this.#closed) throw new WalClosedError();
  }
}

function resolveOptions(options: LocalWalOptions): ResolvedOptions {
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new WalArgumentError('a directory is required');
  }
  const resolved: ResolvedOptions = {
    dir: options.dir,
    limits: {
      maxTailRecords: options.tailLimits?.maxTailRecords ?? DEFAULT_TAIL_LIMITS.maxTailRecords,
      maxTailBytes: options.tailLimits?.maxTailBytes ?? DEFAULT_TAIL_LIMITS.maxTailBytes,
    },
    segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
    maxBatchBytes: options.maxBatchBytes ?? 32 * 1024 * 1024,
    pullTimeoutMs: options.pullTimeoutMs ?? 30_000,
    truncate: options.truncate ?? true,
    earlyRollBytes: options.earlyRollBytes ?? EARLY_ROLL_BYTES,
    logger: options.logger ?? consoleLogger,
    clock: options.clock ?? Date.now,
  };
  const numbers = {
    maxTailRecords: resolved.limits.maxTailRecords,
    maxTailBytes: resolved.limits.maxTailBytes,
    segmentBytes: resolved.segmentBytes,
    maxBatchBytes: resolved.maxBatchBytes,
    pullTimeoutMs: resolved.pullTimeoutMs,
  };
  checkPositiveIntegers(numbers);
  // A frame body's length is a 32-bit field (local-frame.mapper.ts).
  if (resolved.maxBatchBytes > 1024 * 1024 * 1024) {
    throw new WalArgumentError(
      `maxBatchBytes must be at most 1 GiB, got ${resolved.maxBatchBytes}`,
    );
  }
  return resolved;
}

const consoleLogger = consoleWalLogger(describe);

/** The lock of a log's directory cannot be taken: only one process may open a local WAL. */
function walLockRefused(refusal: LockRefusal): WalUnavailableError {
  switch (refusal.kind) {
    case 'held':
      return new WalDirectoryInUseError(refusal.dir, refusal.pid, refusal.host, refusal.since);
    case 'this-process':
      return new WalUnavailableError(
        `${refusal.dir} is already open in this process: close it before opening it again`,
      );
    case 'contended':
      return new WalUnavailableError(
        `could not lock ${refusal.dir}: its lock file kept changing (other processes starting?)`,
      );
  }
}
