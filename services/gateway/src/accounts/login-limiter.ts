import { createHash } from 'node:crypto';
import type { ServiceClient } from '@huedb/grpc';
import type { ControlService } from '@huedb/proto/control';
import { RateLimitedError, UnavailableError } from '@huedb/core';

/** How long a full bucket of login attempts takes to refill. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Keys the local front remembers as blocked before it forgets the expired ones. */
const MAX_LOCAL_BLOCKS = 10_000;

/** A 429 with the seconds until the caller may try again. */
export class LoginLimitedError extends RateLimitedError {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many failed logins: try again later');
  }
}

/** What the limiter needs of the control plane. */
export type RateLimitClient = Pick<
  ServiceClient<typeof ControlService>,
  'consumeRateLimit' | 'resetRateLimit'
>;

/** One login attempt's hold on the account's and the address's buckets. */
export interface LoginAttempt {
  /** The password was right: the account's bucket refills and the address gets its point back. */
  succeeded(): Promise<void>;
  /** The password could not be checked (the control plane failed): both points go back. */
  abandoned(): Promise<void>;
}

/**
 * Login attempts per account (the email, ignoring case) and per client address, counted in the
 * control plane's shared buckets (ConsumeRateLimit), so every gateway takes from the same ones:
 * N gateways allow the configured number, not N times it (docs/decisions/0027-shared-rate-limits.md).
 *
 * An attempt takes its point BEFORE the password is checked — parallel guesses cannot all pass a
 * check and then be counted — and is refused with 429 once either bucket is empty, whether the
 * password is right or not (else the limit would be an oracle). A wrong password keeps the
 * points; a right one refills the account's bucket and gives the address its point back (one
 * good password must not buy a guesser more tries elsewhere, nor cost a shared address one).
 * Each bucket holds `perAccount` / `perAddress` points and refills over 15 minutes.
 *
 * A control plane that cannot be asked refuses the login (503): failing open would lift the
 * limit for as long as a guesser can keep it unreachable. In front of it, a key the store has
 * refused is refused here without asking until its retry time: nothing can refill it sooner but
 * a successful login, which that refusal prevents (an address given a point back elsewhere is
 * at most refused here a little longer).
 */
export class LoginLimiter {
  /** Key → when the store said it has a point again (ms, this clock). */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly control: RateLimitClient,
    private readonly perAccount: number,
    private readonly perAddress: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one attempt from the account and the address. Throws {@link LoginLimitedError} when
   * either has none left (and takes none), UnavailableError when the control plane cannot say.
   */
  async attempt(email: string, address: string): Promise<LoginAttempt> {
    const account = accountKey(email);
    const client = addressKey(address);
    this.refuseIfBlocked(account, client);
    const [byAccount, byAddress] = await Promise.allSettled([
      this.take(account, this.perAccount, 1),
      this.take(client, this.perAddress, 1),
    ]);
    const taken = (
      [
        [byAccount, account, this.perAccount],
        [byAddress, client, this.perAddress],
      ] as const
    ).filter(([outcome]) => outcome.status === 'fulfilled' && outcome.value.allowed);
    const giveBack = async (keys: (typeof taken)[number][]) => {
      await Promise.all(keys.map(([, key, limit]) => this.take(key, limit, -1).catch(() => {})));
    };
    if (byAccount.status === 'rejected' || byAddress.status === 'rejected') {
      await giveBack(taken);
      throw new UnavailableError('Login is unavailable right now: try again later');
    }
    const refusals = [byAccount.value, byAddress.value].filter((answer) => !answer.allowed);
    if (refusals.length > 0) {
      await giveBack(taken);
      const waitMs = Math.max(...refusals.map((answer) => Number(answer.retryAfterMs)));
      throw new LoginLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    return {
      succeeded: async () => {
        await Promise.all([
          this.control.resetRateLimit({ key: account }).catch(() => {}),
          giveBack(taken.filter(([, key]) => key === client)),
        ]);
      },
      abandoned: () => giveBack(taken),
    };
  }

  private async take(key: string, limit: number, points: number) {
    const answer = await this.control.consumeRateLimit({
      key,
      points,
      limit,
      windowMs: BigInt(LOGIN_WINDOW_MS),
    });
    if (!answer.allowed) this.block(key, this.now() + Number(answer.retryAfterMs));
    return answer;
  }

  private refuseIfBlocked(...keys: string[]): void {
    const now = this.now();
    let until = 0;
    for (const key of keys) {
      const blocked = this.blockedUntil.get(key);
      if (blocked === undefined) continue;
      if (blocked <= now) this.blockedUntil.delete(key);
      else until = Math.max(until, blocked);
    }
    if (until > 0) throw new LoginLimitedError(Math.max(1, Math.ceil((until - now) / 1000)));
  }

  private block(key: string, until: number): void {
    if (this.blockedUntil.size >= MAX_LOCAL_BLOCKS) {
      // Forgetting a block only means asking the store again: drop the expired ones, and if
      // that is not enough, all of them.
      const now = this.now();
      for (const [k, t] of this.blockedUntil) if (t <= now) this.blockedUntil.delete(k);
      if (this.blockedUntil.size >= MAX_LOCAL_BLOCKS) this.blockedUntil.clear();
    }
    this.blockedUntil.set(key, until);
  }
}

/**
 * The account's bucket is named by a digest of the address, not the address: the key is then
 * always storable (an address may hold any character, NUL included, which Postgres text cannot),
 * bounded in length, and the rate-limit table holds no email addresses.
 */
function accountKey(email: string): string {
  const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
  return `login:account:${digest}`;
}

function addressKey(address: string): string {
  return `login:address:${address}`;
}
