import type { Logger } from 'pino';
import { metric, prometheus } from './metrics.js';

/**
 * Watches a role's live members as one process sees them (each time it lists them for a
 * rendezvous ring) and reports changes: a line when a member joins or leaves the ring, and the
 * ring's size as `huedb_membership_members{role}`. "Left" covers both a clean shutdown and a
 * crash: either way the member's heartbeat stopped and it aged out of the list
 * (HUEDB_MEMBER_MAX_AGE_MS); the member's own log says which. The first list is logged once as
 * the ring this process starts with.
 * @returns the function to call with every list of live member ids
 */
export function membershipObserver(
  role: string,
  log: Pick<Logger, 'info'>,
): (memberIds: readonly string[]) => void {
  const size = metric(
    'huedb_membership_members',
    (registers) =>
      new prometheus.Gauge({
        name: 'huedb_membership_members',
        help: 'Live members of a role in the rendezvous ring this process routes by, at its last look.',
        labelNames: ['role'],
        registers,
      }),
  );
  let known: Set<string> | undefined;
  return (memberIds) => {
    const now = new Set(memberIds);
    size.set({ role }, now.size);
    if (!known) {
      known = now;
      log.info({ role, members: [...now].sort() }, `membership: ${role} ring`);
      return;
    }
    for (const id of now) {
      if (!known.has(id)) {
        log.info({ role, memberId: id, members: now.size }, `membership: ${role} joined`);
      }
    }
    for (const id of known) {
      if (!now.has(id)) {
        log.info(
          { role, memberId: id, members: now.size },
          `membership: ${role} left (no heartbeat within the member max age)`,
        );
      }
    }
    known = now;
  };
}
