import { ms, SqlRepository } from '../sql/sql-repository.js';

/** A `users` row as read (times as Unix-ms text). */
export interface UserRow {
  id: string;
  email: string;
  password_hash: string | null;
  verified_at_ms: string | null;
  created_at_ms: string;
}

/** A `memberships` row with the member's email. */
export interface MembershipRow {
  user_id: string;
  tenant: string;
  role: string;
  created_at_ms: string;
  email: string;
}

const USER = `id::text, email, password_hash, ${ms('verified_at')} AS verified_at_ms, ${ms('created_at')} AS created_at_ms`;

/** The `users` table. */
export class UserRepository extends SqlRepository {
  /** Inserts a user; undefined when the email (folded) is taken. */
  async insert(user: {
    id: string;
    email: string;
    emailKey: string;
    passwordHash: string | null;
    verified: boolean;
  }): Promise<UserRow | undefined> {
    return this.one<UserRow>(
      `INSERT INTO users (id, email, email_key, password_hash, verified_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END)
       ON CONFLICT (email_key) DO NOTHING RETURNING ${USER}`,
      [user.id, user.email, user.emailKey, user.passwordHash, user.verified],
    );
  }

  async findById(id: string): Promise<UserRow | undefined> {
    return this.one<UserRow>(`SELECT ${USER} FROM users WHERE id = $1`, [id]);
  }

  async findByEmailKey(emailKey: string): Promise<UserRow | undefined> {
    return this.one<UserRow>(`SELECT ${USER} FROM users WHERE email_key = $1`, [emailKey]);
  }

  /** Marks the address verified (the first verification's time stays). */
  async markVerified(id: string): Promise<UserRow | undefined> {
    return this.one<UserRow>(
      `UPDATE users SET verified_at = coalesce(verified_at, now()) WHERE id = $1 RETURNING ${USER}`,
      [id],
    );
  }

  async setPassword(id: string, passwordHash: string): Promise<UserRow | undefined> {
    return this.one<UserRow>(
      `UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING ${USER}`,
      [id, passwordHash],
    );
  }
}

const MEMBERSHIP = `m.user_id::text, m.tenant, m.role, ${ms('m.created_at')} AS created_at_ms, u.email`;

/** The `memberships` table. */
export class MembershipRepository extends SqlRepository {
  /** Adds a membership; undefined when the user is already a member of the tenant. */
  async insert(userId: string, tenant: string, role: string): Promise<MembershipRow | undefined> {
    return this.one<MembershipRow>(
      `WITH m AS (
         INSERT INTO memberships (user_id, tenant, role) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING *
       )
       SELECT ${MEMBERSHIP} FROM m JOIN users u ON u.id = m.user_id`,
      [userId, tenant, role],
    );
  }

  async find(userId: string, tenant: string): Promise<MembershipRow | undefined> {
    return this.one<MembershipRow>(
      `SELECT ${MEMBERSHIP} FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.user_id = $1 AND m.tenant = $2`,
      [userId, tenant],
    );
  }

  async listByTenant(tenant: string): Promise<MembershipRow[]> {
    return this.q<MembershipRow>(
      `SELECT ${MEMBERSHIP} FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant = $1 ORDER BY m.created_at, m.user_id`,
      [tenant],
    );
  }

  async listByUser(userId: string): Promise<MembershipRow[]> {
    return this.q<MembershipRow>(
      `SELECT ${MEMBERSHIP} FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.user_id = $1 ORDER BY m.created_at, m.tenant`,
      [userId],
    );
  }
}
