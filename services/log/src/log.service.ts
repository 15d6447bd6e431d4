import { Code, RpcError } from '@huedb/grpc';
import { validateLogRecords } from '@huedb/core';
import {
  type AdvanceCompactionCursorRequest,
  type CollectionsToCompactRequest,
  type CollectionTail,
  type PositionedBatch,
  type PullLogsRequest,
  type PurgeCollectionRequest,
  type PushLogsRequest,
  type ScoutLogsRequest,
} from '@huedb/proto/log';
import {
  TailFullError,
  PartitionNotServedError,
  WalArgumentError,
  WalCompactedError,
  WalClosedError,
  WalTimeoutError,
  WalUnavailableError,
  type WriteAheadLog,
} from '@huedb/wal';

/** Options of {@link LogService}. */
export interface LogServiceOptions {
  /**
   * The most a PullLogs answer may carry (bytes, estimated). A larger tail is refused with
   * OUT_OF_RANGE, telling the caller to page with max_records, rather than cut short silently
   * (the caller could not tell) or failing in the transport. Default 56 MiB, under the 64 MiB
   * gRPC message limit.
   */
  maxPullBytes?: number;
}

/** Per-record overhead in the size estimate of a pulled batch (ids, tags, lengths). */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * The rules of the log service: checks pushed records with core's rules (validateLogRecords; the
 * WAL itself checks ids, ranges, cursors and thresholds — one place each), calls the write-ahead
 * log, and turns its
 * errors into gRPC status codes callers act on — TailFullError → RESOURCE_EXHAUSTED (the gateway
 * rebuilds it as core's BackoffError and answers 429 Backoff with this message), WalArgumentError → INVALID_ARGUMENT, WalTimeoutError →
 * DEADLINE_EXCEEDED, WalUnavailableError and WalClosedError → UNAVAILABLE, PartitionNotServedError
 * → FAILED_PRECONDITION. Anything else is a bug and surfaces as INTERNAL.
 */
export class LogService {
  readonly #wal: WriteAheadLog;
  readonly #maxPullBytes: number;

  constructor(wal: WriteAheadLog, options: LogServiceOptions = {}) {
    this.#wal = wal;
    this.#maxPullBytes = options.maxPullBytes ?? 56 * 1024 * 1024;
  }

  /** Appends the request's records as one atomic batch; returns its log position. */
  async pushLogs(req: PushLogsRequest): Promise<bigint> {
    // Core's rules and messages, the gateway's own (see validateLogRecords).
    validateLogRecords(req.records);
    return call(() => this.#wal.append(req.collectionId, req.records));
  }

  /** The bound that makes a following pull see every acknowledged push. */
  async scoutLogs(req: ScoutLogsRequest): Promise<bigint> {
    return call(() => this.#wal.scout(req.collectionId));
  }

  /** The collection's uncompacted batches in [from_position, to_position). */
  async pullLogs(req: PullLogsRequest, signal?: AbortSignal): Promise<PositionedBatch[]> {
    const batches = await call(() =>
      this.#wal.pull(req.collectionId, req.fromPosition, req.toPosition, {
        maxRecords: req.maxRecords,
        signal,
      }),
    );
    const bytes = estimateBytes(batches);
    if (bytes > this.#maxPullBytes) {
      throw new RpcError(
        Code.OUT_OF_RANGE,
        `the tail of ${req.collectionId} in [${req.fromPosition}, ${req.toPosition}) is about ` +
          `${bytes} bytes, over the ${this.#maxPullBytes} one answer may carry; pull it in pages ` +
          `with max_records`,
      );
    }
    return batches;
  }

  /** Collections the compactor should look at, oldest tail first. */
  async collectionsToCompact(req: CollectionsToCompactRequest): Promise<CollectionTail[]> {
    return call(() => this.#wal.collectionsToCompact(Number(req.minRecords), Number(req.minAgeMs)));
  }

  /** Moves the collection's compaction cursor forward (never back). */
  async advanceCompactionCursor(req: AdvanceCompactionCursorRequest): Promise<void> {
    await call(() => this.#wal.advanceCursor(req.collectionId, req.logPosition));
  }

  /** Forgets a deleted collection's tail. */
  async purgeCollection(req: PurgeCollectionRequest): Promise<void> {
    await call(() => this.#wal.purge(req.collectionId));
  }
}

/** Runs a WAL call, answering its errors with the status code the caller acts on. */
async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw toRpcError(err);
  }
}

function toRpcError(err: unknown): unknown {
  if (err instanceof TailFullError) return new RpcError(Code.RESOURCE_EXHAUSTED, err.message);
  if (err instanceof WalArgumentError) return new RpcError(Code.INVALID_ARGUMENT, err.message);
  // ABORTED: the caller's view of the collection is older than the log's; it refreshes and retries.
  if (err instanceof WalCompactedError) return new RpcError(Code.ABORTED, err.message);
  if (err instanceof WalTimeoutError) return new RpcError(Code.DEADLINE_EXCEEDED, err.message);
  if (err instanceof WalUnavailableError || err instanceof WalClosedError) {
    return new RpcError(Code.UNAVAILABLE, err.message);
  }
  if (err instanceof PartitionNotServedError) {
    return new RpcError(Code.FAILED_PRECONDITION, err.message);
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return new RpcError(Code.CANCELLED, err.message);
  }
  return err;
}

function estimateBytes(batches: readonly PositionedBatch[]): number {
  let bytes = 0;
  for (const batch of batches) {
    for (const record of batch.records) {
      bytes += RECORD_OVERHEAD_BYTES + record.id.length + (record.embedding?.byteLength ?? 0);
      bytes += (record.document?.length ?? 0) + (record.uri?.length ?? 0);
      for (const { key, value } of record.metadata?.entries ?? []) {
        bytes += key.length + 16;
        if (value?.kind.case === 'stringValue') bytes += value.kind.value.length;
      }
    }
  }
  return bytes;
}
