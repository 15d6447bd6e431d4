import type { AppendAuditRequest, AuditEntry, ListAuditRequest } from '@huedb/proto/control';
import type { Input } from '../catalog.input.js';
import { invalid } from '../catalog.errors.js';
import { requireText } from './control.input.js';
import { auditMessage } from './control.mapper.js';
import type { ControlRepositories } from './control.repository.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The audit log: append and read; nothing else exists (the table refuses UPDATE/DELETE). */
export class AuditService {
  constructor(private readonly repos: ControlRepositories) {}

  async append(req: Input<AppendAuditRequest>): Promise<Input<AuditEntry>> {
    let details: string | null = null;
    if (req.detailsJson !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.detailsJson);
      } catch {
        throw invalid('details_json is not valid JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw invalid('details_json must be a JSON object');
      }
      details = req.detailsJson;
    }
    const row = await this.repos.audit.append({
      actor: requireText('actor', req.actor),
      action: requireText('action', req.action),
      targetKind: requireText('target_kind', req.targetKind),
      targetId: req.targetId,
      tenant: req.tenant ?? null,
      requestId: req.requestId ?? null,
      detailsJson: details,
    });
    return auditMessage(row);
  }

  async list(req: Input<ListAuditRequest>): Promise<Input<AuditEntry>[]> {
    const limit = req.limit === 0 ? DEFAULT_LIMIT : req.limit;
    if (limit < 0 || limit > MAX_LIMIT) throw invalid(`limit must be between 1 and ${MAX_LIMIT}`);
    const rows = await this.repos.audit.list({
      tenant: req.tenant ?? null,
      afterSeq: req.afterSeq,
      limit,
      newestFirst: req.newestFirst,
      beforeMs: req.beforeMs ?? null,
    });
    return rows.map(auditMessage);
  }
}
