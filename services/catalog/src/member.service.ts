import type { HeartbeatRequest, ListMembersRequest, Member } from '@huedb/proto/catalog';
import { invalid } from './catalog.errors.js';
import { requireName, type Input } from './catalog.input.js';
import { memberFromRow } from './member.mapper.js';
import type { MemberRepository } from './member.repository.js';

/**
 * Membership: processes register and refresh themselves by heartbeat at the catalog's clock;
 * callers list a role's members heard from recently (docs/decisions/0012-membership.md).
 */
export class MemberService {
  constructor(private readonly members: MemberRepository) {}

  /** Registers or refreshes a member; returns the catalog's clock (Unix ms). */
  async heartbeat(req: Input<HeartbeatRequest>): Promise<bigint> {
    const member = req.member;
    if (!member) throw invalid('member is required');
    requireName('member role', member.role);
    requireName('member id', member.id);
    return this.members.upsert(member.role, member.id, member.address);
  }

  /** A role's members by id; max_age_ms > 0 keeps those heard from within it, 0 keeps all. */
  async list(req: Input<ListMembersRequest>): Promise<Member[]> {
    requireName('member role', req.role);
    if (req.maxAgeMs < 0n) throw invalid('max_age_ms must not be negative');
    const rows = await this.members.list(req.role, req.maxAgeMs === 0n ? null : req.maxAgeMs);
    return rows.map(memberFromRow);
  }
}
