/**
 * The errors every WriteAheadLog implementation rejects with. Services switch on the class to pick
 * a status code (TailFullError → RESOURCE_EXHAUSTED, and so on), so implementations must not invent
 * others for these situations.
 */

/** Base class of every error a WriteAheadLog rejects with on purpose. */
export class WalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The collection's uncompacted tail is over its limits: nothing was written. The caller should
 * retry later, when compaction has caught up (the gateway answers 429 Backoff).
 */
export class TailFullError extends WalError {
  constructor(
    /** The collection whose tail is full. */
    readonly collectionId: string,
    /** Its uncompacted records when the append was refused (including appends in flight). */
    readonly tailRecords: number,
    /** Its uncompacted bytes when the append was refused (including appends in flight). */
    readonly tailBytes: number,
    /** The record limit. */
    readonly maxTailRecords: number,
    /** The byte limit. */
    readonly maxTailBytes: number,
  ) {
    super(
      `collection ${collectionId} has ${tailRecords} uncompacted records (${tailBytes} bytes) in ` +
        `the log, at or over its limit of ${maxTailRecords} records or ${maxTailBytes} bytes; ` +
        `nothing was written: retry after compaction has caught up`,
    );
  }
}

/** A deadline passed. */
export class WalTimeoutError extends WalError {
  constructor(
    message: string,
    /**
     * For appends: `false` when the batch was certainly not written (it never left this process);
     * `undefined` when the outcome is unknown (it may still become durable).
     */
    readonly written?: false,
  ) {
    super(message);
  }
}

/** The storage behind the log failed (e.g. Kafka unreachable after retries). */
export class WalUnavailableError extends WalError {
  constructor(
    message: string,
    options?: ErrorOptions,
    /** For appends: `false` when the batch was certainly not written; otherwise unknown. */
    readonly written?: false,
  ) {
    super(message, options);
  }
}

/**
 * Another live process holds the log's directory (its lock file names it): only one process may
 * open a local write-ahead log. Typed so a CLI can say "stop process N" without parsing the text.
 */
export class WalDirectoryInUseError extends WalUnavailableError {
  constructor(
    /** The log's directory. */
    readonly dir: string,
    /** The process holding it. */
    readonly pid: number,
    /** Its host, as its lock file says. */
    readonly host: string,
    /** When it took the lock, as its lock file says. */
    readonly since: string,
  ) {
    super(
      `${dir} is in use by process ${pid} on ${host} (since ${since}): only one process may ` +
        'open a local write-ahead log',
    );
  }
}

/**
 * The log's files fail their integrity checks somewhere a crash cannot explain (anywhere but in
 * the last, unacknowledged write): opening refuses rather than drop acknowledged data. An operator
 * must look at `file` near `offset` (restore it from a backup, or cut the file there knowingly).
 */
export class WalCorruptionError extends WalUnavailableError {
  constructor(
    message: string,
    /** The damaged file. */
    readonly file: string,
    /** Where in it the damage starts (bytes). */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A request that can never succeed as asked (empty or oversized batch, bad range or position). */
export class WalArgumentError extends WalError {}

/**
 * A pull from below the collection's compaction cursor: the caller read a collection row (segment
 * version, log_position) older than the log's, and the batches it would need now live only in a
 * newer segment. Never answer with the gap: the caller refreshes the collection and reads again.
 */
export class WalCompactedError extends WalError {}

/**
 * The collection lives in a part of the log this instance does not read (a Kafka partition it
 * does not serve): ask an instance that serves it.
 */
export class PartitionNotServedError extends WalError {}

/** The log was closed. */
export class WalClosedError extends WalError {
  constructor(message = 'the write-ahead log is closed') {
    super(message);
  }
}
