import {
  KeyRole,
  MemberRole,
  type ApiKey,
  type AuditEntry,
  type Membership,
  type User,
} from '@huedb/proto/control';

/**
 * The control plane's users, memberships and keys as the accounts and admin APIs answer them
 * (snake_case, times as epoch ms, roles by name; never a secret or a password hash).
 */

/** A key role's name → the control plane's enum. */
export const KEY_ROLES = {
  read: KeyRole.READ,
  read_write: KeyRole.READ_WRITE,
  admin: KeyRole.ADMIN,
} as const;
const KEY_ROLE_NAMES = namesOf(KEY_ROLES);
/** A member role's name → the control plane's enum. */
export const MEMBER_ROLES = {
  owner: MemberRole.OWNER,
  admin: MemberRole.ADMIN,
  member: MemberRole.MEMBER,
} as const;
const MEMBER_ROLE_NAMES = namesOf(MEMBER_ROLES);

/** The inverse of a name → enum table. */
function namesOf(table: Readonly<Record<string, number>>): Readonly<Record<number, string>> {
  return Object.fromEntries(Object.entries(table).map(([name, value]) => [value, name]));
}

export function userJson(user: User) {
  return {
    id: user.id,
    email: user.email,
    verified: user.verifiedAtMs !== undefined,
    created_at_ms: Number(user.createdAtMs),
  };
}

export function memberRoleName(role: MemberRole): string {
  return MEMBER_ROLE_NAMES[role] ?? 'member';
}

export function membershipJson(m: Membership) {
  return {
    tenant: m.tenant,
    role: memberRoleName(m.role),
    created_at_ms: Number(m.createdAtMs),
  };
}

export function keyJson(key: ApiKey) {
  const ms = (v: bigint | undefined) => (v === undefined ? null : Number(v));
  return {
    id: key.id,
    display: key.display,
    tenant: key.tenant,
    databases: key.databases,
    role: KEY_ROLE_NAMES[key.role] ?? 'read',
    name: key.name,
    created_by: key.createdBy ?? null,
    created_at_ms: Number(key.createdAtMs),
    expires_at_ms: ms(key.expiresAtMs),
    revoked_at_ms: ms(key.revokedAtMs),
    last_used_at_ms: ms(key.lastUsedAtMs),
  };
}

/** A user as the admin API answers it. */
export function adminUserJson(user: User) {
  return { id: user.id, email: user.email, verified: user.verifiedAtMs !== undefined };
}

/** A tenant member (the admin API's members routes). */
export function memberJson(m: {
  userId: string;
  email: string;
  tenant: string;
  role: MemberRole;
  createdAtMs: bigint;
}) {
  return {
    user_id: m.userId,
    email: m.email,
    tenant: m.tenant,
    role: memberRoleName(m.role),
    created_at_ms: Number(m.createdAtMs),
  };
}

/** An audit log entry (the admin API's audit route). */
export function auditJson(e: AuditEntry) {
  return {
    seq: Number(e.seq),
    at_ms: Number(e.atMs),
    actor: e.actor,
    action: e.action,
    target_kind: e.targetKind,
    target_id: e.targetId,
    tenant: e.tenant ?? null,
    request_id: e.requestId ?? null,
    details: e.detailsJson === '' ? {} : (JSON.parse(e.detailsJson) as object),
  };
}
