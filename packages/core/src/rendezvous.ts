import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest-random-weight) hashing: every (member, key) pair gets a pseudo-random
 * 64-bit score and a key belongs to the members with the highest scores. When a member leaves,
 * only the keys it held move (each to its next-best member); when one joins, it takes only the keys
 * where it now scores highest. Every process computes the same answer from the same member list,
 * with no coordination.
 *
 * The score is the first 8 bytes (big-endian) of SHA-256 over the length-prefixed member and key:
 * stable across processes, versions and platforms, well mixed, and fast enough for the handful of
 * members a cluster has. Length prefixes keep ("ab","c") and ("a","bc") apart.
 */

/**
 * The 64-bit score of `member` for `key`.
 * @param key - what is being placed (e.g. a collection id)
 * @param member - a member id
 */
export function rendezvousScore(key: string, member: string): bigint {
  const m = Buffer.from(member, 'utf8');
  const k = Buffer.from(key, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(m.length, 0);
  prefix.writeUInt32BE(k.length, 4);
  return createHash('sha256').update(prefix).update(m).update(k).digest().readBigUInt64BE(0);
}

/**
 * The `k` members that own `key`, best first. Duplicate members count once; ties (practically
 * impossible) break by member id so the answer is still deterministic. Fewer than `k` members →
 * all of them; no members → [].
 * @param key - what is being placed (e.g. a collection id)
 * @param members - the live members' ids, in any order
 * @param k - how many owners (replicas) to pick; at least 1
 */
export function rendezvousPick(key: string, members: readonly string[], k = 1): string[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  return [...new Set(members)]
    .map((member) => ({ member, score: rendezvousScore(key, member) }))
    .sort((a, b) =>
      a.score !== b.score
        ? a.score > b.score
          ? -1
          : 1
        : a.member < b.member
          ? -1
          : a.member > b.member
            ? 1
            : 0,
    )
    .slice(0, k)
    .map((s) => s.member);
}
