import { RateLimiterMemory } from 'rate-limiter-flexible';
import { RateLimitedError } from '@huedb/core';

/** The window failed logins are counted in. */
export const LOGIN_WINDOW_SECONDS = 15 * 60;

/** A 429 with the seconds until the caller may try again. */
export class LoginLimitedError extends RateLimitedError {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many failed logins: try again later');
  }
}

/**
 * Counts failed logins per account (the email, ignoring case) and per client address, in this
 * process's memory (rate-limiter-flexible): a login is refused with 429 once either has used up
 * its attempts in the window, before the password is even checked, so a guesser cannot keep
 * trying one account from many addresses nor many accounts from one address. A success clears
 * the account's count (not the address's: one good password must not buy a guesser more tries
 * elsewhere). Per process: with N gateways behind a balancer a guesser gets up to N times the
 * attempts (docs/decisions/0023-accounts-api.md).
 */
export class LoginLimiter {
  private readonly byAccount: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;

  constructor(perAccount: number, perAddress: number) {
    this.byAccount = new RateLimiterMemory({
      keyPrefix: 'login-account',
      points: perAccount,
      duration: LOGIN_WINDOW_SECONDS,
    });
    this.byAddress = new RateLimiterMemory({
      keyPrefix: 'login-address',
      points: perAddress,
      duration: LOGIN_WINDOW_SECONDS,
    });
  }

  /** Throws {@link LoginLimitedError} when the account or the address has no attempt left. */
  async check(email: string, address: string): Promise<void> {
    const [account, client] = await Promise.all([
      this.byAccount.get(accountKey(email)),
      this.byAddress.get(address),
    ]);
    const spent = [
      [account, this.byAccount.points],
      [client, this.byAddress.points],
    ] as const;
    for (const [res, points] of spent) {
      if (res && res.consumedPoints >= points) {
        throw new LoginLimitedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
      }
    }
  }

  /** Counts one failed attempt against both. */
  async failed(email: string, address: string): Promise<void> {
    await Promise.all([
      this.byAccount.penalty(accountKey(email), 1),
      this.byAddress.penalty(address, 1),
    ]);
  }

  /** A successful login: the account's count starts over. */
  async succeeded(email: string): Promise<void> {
    await this.byAccount.delete(accountKey(email));
  }
}

function accountKey(email: string): string {
  return email.trim().toLowerCase();
}
