import { Operation, type LogRecord } from '@huedb/proto/log';
import { embeddingFromBytes } from '../embeddings.js';
import { HueDbError, InvalidArgumentError } from '../errors.js';
import { updateMetadataFromProto } from '../metadata-codec.js';
import type { UpdateMetadata } from '../types.js';
import { UNLIMITED_LIMITS } from './limits.js';
import {
  validateIds,
  validateRecordBatch,
  type RecordBatchBody,
  type WriteOperation,
} from './records.js';

/**
 * Which of {@link validateRecordBatch}'s rule sets a log operation is checked with. An UPSERT is
 * checked as an update: the log's contract lets an upsert leave its embedding unset ("unchanged"),
 * while "upsert needs embeddings" is a rule of Chroma's HTTP API, which the gateway enforces.
 */
const RULES_OF: { readonly [op: number]: WriteOperation } = {
  [Operation.ADD]: 'add',
  [Operation.UPSERT]: 'update',
  [Operation.UPDATE]: 'update',
};

/**
 * Checks the records of one push to the log with the same rules and messages as the gateway's
 * {@link validateRecordBatch}: the log is a trust boundary for every service that writes to it,
 * so it checks what it stores, but it must not have rules (or words) of its own. Each run of
 * records with one operation is checked as one batch of that operation; the vectors of the whole
 * push must share one dimension. Plan limits are the gateway's business (the log does not know
 * the plan), so none is applied here. A DELETE carries only its id. Throws HueDB errors
 * (InvalidArgumentError, UnprocessableEntityError), which cross gRPC as INVALID_ARGUMENT.
 * @param records - the push's records, in order
 */
export function validateLogRecords(records: readonly LogRecord[]): void {
  if (records.length === 0) throw new InvalidArgumentError('A write needs at least one record');
  let dimension: number | null = null;
  for (let start = 0; start < records.length;) {
    const operation = records[start]!.operation;
    let end = start + 1;
    while (end < records.length && records[end]!.operation === operation) end++;
    const run = records.slice(start, end);
    const rules = RULES_OF[operation];
    if (rules !== undefined) {
      const batch = validateRecordBatch(rules, bodyOf(run), {
        limits: UNLIMITED_LIMITS,
        collectionDimension: dimension,
      });
      dimension = batch.dimension ?? dimension;
    } else if (operation === Operation.DELETE) {
      validateIds(run.map((r) => r.id));
      const loaded = run.find(
        (r) => r.embedding || r.document !== undefined || r.uri !== undefined || r.metadata,
      );
      if (loaded) {
        throw new InvalidArgumentError(
          `A delete carries only an id; the delete of '${loaded.id}' carries record fields`,
        );
      }
    } else {
      throw new InvalidArgumentError(
        `Record '${records[start]!.id}' has no known operation (${String(operation)})`,
      );
    }
    start = end;
  }
}

/** A run of log records as the body {@link validateRecordBatch} takes; an unset field is null. */
function bodyOf(run: readonly LogRecord[]): RecordBatchBody {
  const column = <T>(present: (r: LogRecord) => boolean, value: (r: LogRecord) => T) =>
    run.some(present) ? run.map((r) => (present(r) ? value(r) : null)) : null;
  return {
    ids: run.map((r) => r.id),
    embeddings: run.map((r) => (r.embedding ? embeddingFromBytes(r.embedding) : null)),
    documents: column(
      (r) => r.document !== undefined,
      (r) => r.document,
    ),
    uris: column(
      (r) => r.uri !== undefined,
      (r) => r.uri,
    ),
    metadatas: column(
      (r) => r.metadata !== undefined,
      (r) => metadataOf(r),
    ),
  };
}

/** A record's metadata as JSON; a value with no kind set is the caller's error, not ours. */
function metadataOf(record: LogRecord): UpdateMetadata {
  try {
    return updateMetadataFromProto(record.metadata!);
  } catch (err) {
    if (!(err instanceof HueDbError)) throw err;
    throw new InvalidArgumentError(`Metadata of record '${record.id}': ${err.message}`);
  }
}
