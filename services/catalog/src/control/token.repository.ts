import { ms, SqlRepository } from '../sql/sql-repository.js';

/** A live session with its user. */
export interface SessionRow {
  user_id: string;
  csrf_hash: string;
  expires_at_ms: string;
}

/** A redeemed email token. */
export interface EmailTokenRow {
  user_id: string | null;
  email: string;
  tenant: string | null;
  role: string | null;
}

/** The `sessions` table. */
export class SessionRepository extends SqlRepository {
  async insert(
    tokenHash: string,
    userId: string,
    csrfHash: string,
    ttlMs: bigint,
  ): Promise<{ expires_at_ms: string }> {
    const row = await this.one<{ expires_at_ms: string }>(
      `INSERT INTO sessions (token_hash, user_id, csrf_hash, expires_at)
       VALUES ($1, $2, $3, now() + $4::int8 * interval '1 millisecond')
       RETURNING ${ms('expires_at')} AS expires_at_ms`,
      [tokenHash, userId, csrfHash, ttlMs.toString()],
    );
    return row!;
  }

  /** The session if it exists and has not expired (by the database's clock). */
  async findLive(tokenHash: string): Promise<SessionRow | undefined> {
    return this.one<SessionRow>(
      `SELECT user_id::text, csrf_hash, ${ms('expires_at')} AS expires_at_ms FROM sessions
        WHERE token_hash = $1 AND expires_at > now()`,
      [tokenHash],
    );
  }

  async delete(tokenHash: string): Promise<boolean> {
    const rows = await this.q(`DELETE FROM sessions WHERE token_hash = $1 RETURNING 1`, [
      tokenHash,
    ]);
    return rows.length > 0;
  }

  /** Ends every session of a user (after a password reset). */
  async deleteForUser(userId: string): Promise<void> {
    await this.q(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
  }

  /** Drops a user's sessions that expired (called on login, so the table does not only grow). */
  async deleteExpiredForUser(userId: string): Promise<void> {
    await this.q(`DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()`, [userId]);
  }
}

/** The `email_tokens` table. */
export class EmailTokenRepository extends SqlRepository {
  async insert(token: {
    tokenHash: string;
    purpose: string;
    userId: string | null;
    email: string;
    tenant: string | null;
    role: string | null;
    ttlMs: bigint;
  }): Promise<{ expires_at_ms: string }> {
    const row = await this.one<{ expires_at_ms: string }>(
      `INSERT INTO email_tokens (token_hash, purpose, user_id, email, tenant, role, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7::int8 * interval '1 millisecond')
       RETURNING ${ms('expires_at')} AS expires_at_ms`,
      [
        token.tokenHash,
        token.purpose,
        token.userId,
        token.email,
        token.tenant,
        token.role,
        token.ttlMs.toString(),
      ],
    );
    return row!;
  }

  /**
   * Marks the token used if it is unused, unexpired and for `purpose`, and returns it; undefined
   * otherwise. The UPDATE's row lock makes two concurrent redemptions see one winner.
   */
  async consume(tokenHash: string, purpose: string): Promise<EmailTokenRow | undefined> {
    return this.one<EmailTokenRow>(
      `UPDATE email_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id::text, email, tenant, role`,
      [tokenHash, purpose],
    );
  }

  /** The token if it was redeemed already and has not expired (a replay, see VerifyEmailToken). */
  async findRedeemed(tokenHash: string, purpose: string): Promise<EmailTokenRow | undefined> {
    return this.one<EmailTokenRow>(
      `SELECT user_id::text, email, tenant, role FROM email_tokens
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NOT NULL AND expires_at > now()`,
      [tokenHash, purpose],
    );
  }
}
