import { ms, SqlRepository } from '../sql/sql-repository.js';

/** An `audit_log` row as read. */
export interface AuditRow {
  seq: string;
  at_ms: string;
  actor: string;
  action: string;
  target_kind: string;
  target_id: string;
  tenant: string | null;
  request_id: string | null;
  details_json: string | null;
}

const ENTRY = `seq::text, ${ms('at')} AS at_ms, actor, action, target_kind, target_id, tenant,
  request_id, details::text AS details_json`;

/** The `audit_log` table: inserts and reads only (the table's triggers refuse the rest). */
export class AuditRepository extends SqlRepository {
  async append(entry: {
    actor: string;
    action: string;
    targetKind: string;
    targetId: string;
    tenant: string | null;
    requestId: string | null;
    detailsJson: string | null;
  }): Promise<AuditRow> {
    const row = await this.one<AuditRow>(
      `INSERT INTO audit_log (actor, action, target_kind, target_id, tenant, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING ${ENTRY}`,
      [
        entry.actor,
        entry.action,
        entry.targetKind,
        entry.targetId,
        entry.tenant,
        entry.requestId,
        entry.detailsJson,
      ],
    );
    return row!;
  }

  /**
   * Entries of one tenant or (null) all: after `afterSeq` in log order, or newest first; only
   * those appended before `beforeMs` when given. Either way the (tenant, seq) index serves it.
   */
  async list(query: {
    tenant: string | null;
    afterSeq: bigint;
    limit: number;
    newestFirst: boolean;
    beforeMs: bigint | null;
  }): Promise<AuditRow[]> {
    return this.q<AuditRow>(
      `SELECT ${ENTRY} FROM audit_log
        WHERE seq > $1::int8 AND ($2::text IS NULL OR tenant = $2)
          AND ($4::int8 IS NULL OR at < to_timestamp($4::int8 / 1000.0))
        ORDER BY audit_log.seq ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT $3`,
      [
        query.afterSeq.toString(),
        query.tenant,
        query.limit,
        query.beforeMs === null ? null : query.beforeMs.toString(),
      ],
    );
  }
}
