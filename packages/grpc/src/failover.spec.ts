import { NotFoundError, UnavailableError } from '@huedb/core';
import { describe, expect, it } from 'vitest';
import { firstAvailable } from './failover.js';
import { Code, RpcError } from './rpc-error.js';

describe('firstAvailable', () => {
  it('moves past UNAVAILABLE instances to the first that answers', async () => {
    const tried: string[] = [];
    const answer = await firstAvailable(['a', 'b', 'c'], async (c) => {
      tried.push(c);
      if (c !== 'b') throw new RpcError(Code.UNAVAILABLE, `${c} down`);
      return `from ${c}`;
    });
    expect(answer).toBe('from b');
    expect(tried).toEqual(['a', 'b']);
  });

  it('answers with any other error at once', async () => {
    const tried: string[] = [];
    const call = firstAvailable(['a', 'b'], async (c) => {
      tried.push(c);
      throw new RpcError(Code.NOT_FOUND, 'gone');
    });
    await expect(call).rejects.toMatchObject({ code: Code.NOT_FOUND, message: 'gone' });
    expect(tried).toEqual(['a']);
  });

  it('throws the last UNAVAILABLE when all are down, UnavailableError when there are none', async () => {
    const down = (c: string) => Promise.reject(new RpcError(Code.UNAVAILABLE, `${c} down`));
    await expect(firstAvailable(['a', 'b'], down)).rejects.toMatchObject({ message: 'b down' });
    const none = firstAvailable([], down, { noneMessage: 'No log instance is available' });
    await expect(none).rejects.toBeInstanceOf(UnavailableError);
    await expect(none).rejects.toThrow('No log instance is available');
  });

  it('turns ABORTED into what onAborted returns, and leaves it alone without a hook', async () => {
    const aborted = () => Promise.reject(new RpcError(Code.ABORTED, 'moved'));
    const hooked = firstAvailable(['a', 'b'], aborted, {
      onAborted: () => new NotFoundError('refresh'),
    });
    await expect(hooked).rejects.toBeInstanceOf(NotFoundError);
    await expect(firstAvailable(['a'], aborted)).rejects.toMatchObject({ code: Code.ABORTED });
  });
});
