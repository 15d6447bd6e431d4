import { UnavailableError } from '@huedb/core';
import { Code, RpcError } from '@huedb/grpc';

/**
 * Calls `fn` on each candidate (backend instances in preference order) until one is reachable:
 * only UNAVAILABLE moves on to the next; any other error is the answer.
 */
export async function firstAvailable<C, T>(
  candidates: readonly C[],
  fn: (candidate: C) => Promise<T>,
): Promise<T> {
  let last: unknown = new UnavailableError('No backend instance is available');
  for (const candidate of candidates) {
    try {
      return await fn(candidate);
    } catch (err) {
      if (!RpcError.is(err, Code.UNAVAILABLE)) throw err;
      last = err;
    }
  }
  throw last;
}
