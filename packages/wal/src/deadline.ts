import { WalTimeoutError } from './errors.js';

/**
 * Resolves or rejects like `promise`, or rejects with WalTimeoutError(`${what} ...`) once
 * `timeoutMs` have passed. The operation itself is not cancelled; whoever calls this decides what
 * an abandoned operation means.
 */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new WalTimeoutError(`${what} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

interface Waiter {
  readonly target: bigint;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Callers waiting for a reader to reach an offset. `notify` is called with the reader's position
 * after every step; each waiter has its own deadline and optional abort signal.
 */
export class OffsetWaiters {
  readonly #waiters = new Set<Waiter>();

  /**
   * Resolves once `notify` reports a position >= `target`; rejects with `onTimeout()` after
   * `timeoutMs`, or with the signal's reason when it aborts.
   */
  wait(
    target: bigint,
    timeoutMs: number,
    onTimeout: () => Error,
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        target,
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = () => waiter.reject(abortReason(signal!));
      const timer = setTimeout(() => waiter.reject(onTimeout()), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** The reader is at `position`: releases every waiter whose target it reached. */
  notify(position: bigint): void {
    for (const waiter of this.#waiters) {
      if (waiter.target <= position) waiter.resolve();
    }
  }

  /** Rejects every waiter with `err`. */
  rejectAll(err: Error): void {
    for (const waiter of this.#waiters) waiter.reject(err);
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
