import type { WriteAheadLog } from './wal.js';

/** Outcome of a timed WAL call: `ok`, or the error's class name (e.g. `TailFullError`). */
export type WalCallOutcome = string;

/**
 * Receives the latency of WAL calls. The WAL stays free of any metrics library: the log service
 * (and single-node) implement this with Prometheus histograms.
 */
export interface WalObserver {
  /** An `append` finished after `seconds`. */
  append(seconds: number, outcome: WalCallOutcome, records: number): void;
  /** A `pull` finished after `seconds`. */
  pull(seconds: number, outcome: WalCallOutcome, batches: number): void;
}

/**
 * The same WAL with `append` and `pull` timed for `observer`. A wrapper rather than code in each
 * implementation: the Kafka and local WALs are measured the same way, at their shared interface.
 */
export function instrumentWal<W extends WriteAheadLog>(wal: W, observer: WalObserver): W {
  const outcome = (err: unknown) => (err instanceof Error ? err.constructor.name : 'error');
  return new Proxy(wal, {
    get(target, property) {
      if (property === 'append') {
        return async (...args: Parameters<WriteAheadLog['append']>) => {
          const started = performance.now();
          try {
            const position = await target.append(...args);
            observer.append((performance.now() - started) / 1000, 'ok', args[1].length);
            return position;
          } catch (err) {
            observer.append((performance.now() - started) / 1000, outcome(err), args[1].length);
            throw err;
          }
        };
      }
      if (property === 'pull') {
        return async (...args: Parameters<WriteAheadLog['pull']>) => {
          const started = performance.now();
          try {
            const batches = await target.pull(...args);
            observer.pull((performance.now() - started) / 1000, 'ok', batches.length);
            return batches;
          } catch (err) {
            observer.pull((performance.now() - started) / 1000, outcome(err), 0);
            throw err;
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      // Methods keep their own `this` (private fields need the real instance).
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
