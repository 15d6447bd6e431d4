import { ms, SqlRepository } from './sql/sql-repository.js';

/** A `members` row. */
export interface MemberRow {
  role: string;
  id: string;
  address: string;
  heartbeat_at_ms: string;
}

/** The `members` table: live processes by role, refreshed by heartbeats. */
export class MemberRepository extends SqlRepository {
  /** Registers or refreshes a member at the database's clock; returns that time (ms). */
  async upsert(role: string, id: string, address: string): Promise<bigint> {
    const row = await this.one<{ now_ms: string }>(
      `INSERT INTO members (role, id, address, heartbeat_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (role, id) DO UPDATE
         SET address = excluded.address, heartbeat_at = excluded.heartbeat_at
       RETURNING ${ms('heartbeat_at')} AS now_ms`,
      [role, id, address],
    );
    return BigInt(row!.now_ms);
  }

  /** A role's members, by id; with `maxAgeMs`, only those whose heartbeat is at most that old. */
  async list(role: string, maxAgeMs: bigint | null): Promise<MemberRow[]> {
    return this.q<MemberRow>(
      `SELECT role, id, address, ${ms('heartbeat_at')} AS heartbeat_at_ms FROM members
        WHERE role = $1
          AND ($2::int8 IS NULL OR heartbeat_at >= now() - $2::int8 * interval '1 millisecond')
        ORDER BY id`,
      [role, maxAgeMs === null ? null : maxAgeMs.toString()],
    );
  }
}
