/**
 * HueDB's write-ahead log: the {@link WriteAheadLog} interface every implementation provides and
 * the errors they reject with. Implementations: `@huedb/wal/kafka` (clusters) and
 * `@huedb/wal/local` (the local-file WAL of single-node mode). Their shared test suite:
 * `@huedb/wal/conformance`.
 */
export {
  DEFAULT_TAIL_LIMITS,
  type LogRecordInit,
  type PullOptions,
  type TailLimits,
  type WalLogger,
  type WriteAheadLog,
} from './wal.js';
export {
  TailFullError,
  PartitionNotServedError,
  WalArgumentError,
  WalClosedError,
  WalCorruptionError,
  WalCompactedError,
  WalDirectoryInUseError,
  WalError,
  WalTimeoutError,
  WalUnavailableError,
} from './errors.js';
export { partitionForCollection } from './partitioner.js';
export { instrumentWal, type WalCallOutcome, type WalObserver } from './instrumented.js';
