import {
  EmailTokenPurpose,
  KeyRole,
  MemberRole,
  type ApiKey,
  type AuditEntry,
  type Membership,
  type User,
} from '@huedb/proto/control';
import type { Input } from '../catalog.input.js';
import { invalid } from '../catalog.errors.js';
import type { ApiKeyRow } from './api-key.repository.js';
import type { AuditRow } from './audit.repository.js';
import { displayKey } from './secrets.js';
import type { MembershipRow, UserRow } from './user.repository.js';

/*
 * Rows to messages and the contract's enums to the tables' text values (the CHECK constraints of
 * migration 0004 list the same words).
 */

const MEMBER_ROLES = new Map<MemberRole, string>([
  [MemberRole.OWNER, 'owner'],
  [MemberRole.ADMIN, 'admin'],
  [MemberRole.MEMBER, 'member'],
]);
const KEY_ROLES = new Map<KeyRole, string>([
  [KeyRole.READ, 'read'],
  [KeyRole.READ_WRITE, 'read-write'],
  [KeyRole.ADMIN, 'admin'],
]);
const PURPOSES = new Map<EmailTokenPurpose, string>([
  [EmailTokenPurpose.VERIFICATION, 'verification'],
  [EmailTokenPurpose.RESET, 'reset'],
  [EmailTokenPurpose.INVITE, 'invite'],
]);

function toText<E>(what: string, map: Map<E, string>, value: E): string {
  const text = map.get(value);
  if (text === undefined) throw invalid(`${what} must be set`);
  return text;
}

function fromText<E>(map: Map<E, string>, text: string): E {
  for (const [value, word] of map) if (word === text) return value;
  throw new Error(`unknown value ${text} in the control plane's tables`);
}

export const memberRoleText = (role: MemberRole): string => toText('role', MEMBER_ROLES, role);
export const keyRoleText = (role: KeyRole): string => toText('role', KEY_ROLES, role);
export const purposeText = (purpose: EmailTokenPurpose): string =>
  toText('purpose', PURPOSES, purpose);
export const memberRoleOf = (text: string): MemberRole => fromText(MEMBER_ROLES, text);
export const keyRoleOf = (text: string): KeyRole => fromText(KEY_ROLES, text);

const big = (text: string): bigint => BigInt(text);
const optionalBig = (text: string | null): bigint | undefined =>
  text === null ? undefined : BigInt(text);

export function userMessage(row: UserRow): Input<User> {
  return {
    id: row.id,
    email: row.email,
    verifiedAtMs: optionalBig(row.verified_at_ms),
    createdAtMs: big(row.created_at_ms),
    hasPassword: row.password_hash !== null,
  };
}

export function membershipMessage(row: MembershipRow): Input<Membership> {
  return {
    userId: row.user_id,
    tenant: row.tenant,
    role: memberRoleOf(row.role),
    createdAtMs: big(row.created_at_ms),
    email: row.email,
  };
}

/** The databases a key is limited to; [] = all of its tenant's. */
export function keyDatabases(row: ApiKeyRow): string[] {
  return row.databases_json === null ? [] : (JSON.parse(row.databases_json) as string[]);
}

export function apiKeyMessage(row: ApiKeyRow): Input<ApiKey> {
  return {
    id: row.id,
    display: displayKey(row.id),
    tenant: row.tenant,
    databases: keyDatabases(row),
    role: keyRoleOf(row.role),
    name: row.name,
    createdBy: row.created_by ?? undefined,
    createdAtMs: big(row.created_at_ms),
    expiresAtMs: optionalBig(row.expires_at_ms),
    revokedAtMs: optionalBig(row.revoked_at_ms),
    lastUsedAtMs: optionalBig(row.last_used_at_ms),
  };
}

export function auditMessage(row: AuditRow): Input<AuditEntry> {
  return {
    seq: big(row.seq),
    atMs: big(row.at_ms),
    actor: row.actor,
    action: row.action,
    targetKind: row.target_kind,
    targetId: row.target_id,
    tenant: row.tenant ?? undefined,
    requestId: row.request_id ?? undefined,
    detailsJson: row.details_json ?? '',
  };
}
