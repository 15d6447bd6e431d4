import { create } from '@bufbuild/protobuf';
import { MemberSchema, type Member } from '@huedb/proto/catalog';
import type { MemberRow } from './member.repository.js';

/** A `members` row → its proto message. */
export function memberFromRow(row: MemberRow): Member {
  return create(MemberSchema, {
    id: row.id,
    role: row.role,
    address: row.address,
    heartbeatAtMs: BigInt(row.heartbeat_at_ms),
  });
}
