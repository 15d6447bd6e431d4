import { UnavailableError } from '@huedb/core';
import { Code, RpcError } from './rpc-error.js';

/**
 * Records per PullLogs page. Every reader of a log (gateway fork, query node tail, compactor)
 * pages with the same size so that one answer stays well under the message limit.
 */
export const PULL_PAGE_RECORDS = 5_000;

/** How {@link firstAvailable} ends when no candidate answers, and what ABORTED means. */
export interface FailoverOptions {
  /** The message of the UnavailableError thrown when there are no candidates at all. */
  noneMessage?: string;
  /**
   * Called when a candidate answers ABORTED (e.g. the collection was compacted past the position a
   * read started from); what it returns is thrown, so the caller can refresh and retry. Without
   * it, ABORTED is the answer like any other error.
   */
  onAborted?: (err: RpcError) => unknown;
}

/**
 * Calls `fn` on each candidate (backend instances in preference order, e.g. by rendezvous) until
 * one is reachable: only UNAVAILABLE moves on to the next; any other error is the answer. When all
 * are unreachable, the last UNAVAILABLE is thrown.
 * @param candidates - the instances to try, best first
 * @param fn - the call to make on one of them
 * @param options - see {@link FailoverOptions}
 */
export async function firstAvailable<C, T>(
  candidates: Iterable<C>,
  fn: (candidate: C) => Promise<T>,
  options: FailoverOptions = {},
): Promise<T> {
  // Made only when needed: an error's stack trace costs tens of µs, on every read otherwise.
  let last: unknown;
  let anyUnavailable = false;
  for (const candidate of candidates) {
    try {
      return await fn(candidate);
    } catch (err) {
      if (options.onAborted && RpcError.is(err, Code.ABORTED)) throw options.onAborted(err);
      if (!RpcError.is(err, Code.UNAVAILABLE)) throw err;
      last = err;
      anyUnavailable = true;
    }
  }
  if (!anyUnavailable) {
    throw new UnavailableError(options.noneMessage ?? 'No backend instance is available');
  }
  throw last;
}
