import { Code, RpcError } from '@huedb/grpc';
import {
  Operation,
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
 * The rules of the log service: validates each request, calls the write-ahead log, and turns its
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
    requireCollectionId(req.collectionId);
    if (req.records.length === 0) invalid('a push needs at least one record');
    let embeddingBytes: number | undefined;
    req.records.forEach((record, i) => {
      const at = `records[${i}]`;
      if (record.id === '') invalid(`${at}.id is empty`);
      switch (record.operation) {
        case Operation.ADD:
          if (!record.embedding) invalid(`${at} (ADD ${record.id}) has no embedding`);
          break;
        case Operation.UPDATE:
        case Operation.UPSERT:
          break;
        case Operation.DELETE:
          if (record.embedding || record.document !== undefined || record.uri !== undefined) {
            invalid(`${at} (DELETE ${record.id}) carries fields; a delete has only an id`);
          }
          if (record.metadata) invalid(`${at} (DELETE ${record.id}) carries metadata`);
          break;
        case Operation.UNSPECIFIED:
          invalid(`${at}.operation is not specified`);
          break;
        default:
          invalid(`${at}.operation ${String(record.operation)} is unknown`);
      }
      if (record.embedding) {
        const bytes = record.embedding.byteLength;
        if (bytes === 0 || bytes % 4 !== 0) {
          invalid(`${at}.embedding is ${bytes} bytes; expected 4 × dimension (float32)`);
        }
        // The gateway checks the collection's dimension; within one batch they must agree.
        if (embeddingBytes !== undefined && bytes !== embeddingBytes) {
          invalid(
            `${at}.embedding has dimension ${bytes / 4}, earlier records ${embeddingBytes / 4}`,
          );
        }
        embeddingBytes = bytes;
      }
    });
    return call(() => this.#wal.append(req.collectionId, req.records));
  }

  /** The bound that makes a following pull see every acknowledged push. */
  async scoutLogs(req: ScoutLogsRequest): Promise<bigint> {
    requireCollectionId(req.collectionId);
    return call(() => this.#wal.scout(req.collectionId));
  }

  /** The collection's uncompacted batches in [from_position, to_position). */
  async pullLogs(req: PullLogsRequest, signal?: AbortSignal): Promise<PositionedBatch[]> {
    requireCollectionId(req.collectionId);
    if (req.fromPosition < 0n) invalid(`from_position ${req.fromPosition} is negative`);
    if (req.fromPosition > req.toPosition) {
      invalid(`from_position ${req.fromPosition} is above to_position ${req.toPosition}`);
    }
    if (req.maxRecords < 0) invalid(`max_records ${req.maxRecords} is negative`);
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
    if (req.minRecords < 0n) invalid(`min_records ${req.minRecords} is negative`);
    if (req.minAgeMs < 0n) invalid(`min_age_ms ${req.minAgeMs} is negative`);
    return call(() => this.#wal.collectionsToCompact(Number(req.minRecords), Number(req.minAgeMs)));
  }

  /** Moves the collection's compaction cursor forward (never back). */
  async advanceCompactionCursor(req: AdvanceCompactionCursorRequest): Promise<void> {
    requireCollectionId(req.collectionId);
    if (req.logPosition < 0n) invalid(`log_position ${req.logPosition} is negative`);
    await call(() => this.#wal.advanceCursor(req.collectionId, req.logPosition));
  }

  /** Forgets a deleted collection's tail. */
  async purgeCollection(req: PurgeCollectionRequest): Promise<void> {
    requireCollectionId(req.collectionId);
    await call(() => this.#wal.purge(req.collectionId));
  }
}

function requireCollectionId(collectionId: string): void {
  if (collectionId.trim() === '') invalid('collection_id is required');
}

function invalid(message: string): never {
  throw new RpcError(Code.INVALID_ARGUMENT, message);
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
