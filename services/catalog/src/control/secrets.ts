import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';

/*
 * Every secret the control plane makes or checks (docs/decisions/0021-credentials.md):
 *
 * - API keys `hdb_<id>_<secret>`: <id> is 16 lowercase base32 characters (80 random bits; public,
 *   the row's primary key), <secret> is 43 base62 characters (43·log2(62) ≈ 256.03 bits). Only
 *   SHA-256(secret) is stored. A fast hash is right here and wrong for passwords: with 256 bits of
 *   entropy nobody can enumerate secrets whatever the hash costs, so stretching would only spend
 *   CPU on every request.
 * - Session, CSRF and email tokens: 43 base62 characters each, stored as SHA-256, same reason.
 * - Passwords: low entropy, so argon2id (PASSWORD_PARAMS), on libuv's thread pool so a hash never
 *   blocks the event loop.
 *
 * Hashes are compared with timingSafeEqual on equal-length digests, so the time a check takes
 * says nothing about how much of a guess was right.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Characters of a secret: 43 base62 characters carry ≥ 256 bits. */
export const SECRET_LENGTH = 43;
/** Characters of a key id (80 bits). */
export const KEY_ID_LENGTH = 16;
/** What every API key starts with, so secret scanners and people can recognise one. */
export const KEY_PREFIX = 'hdb';

const KEY_FORMAT = new RegExp(
  `^${KEY_PREFIX}_([a-z2-7]{${KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`,
);

/**
 * `length` characters drawn uniformly from `alphabet` with node:crypto's CSPRNG. Rejection
 * sampling (bytes ≥ the largest multiple of the alphabet's size are dropped) keeps every
 * character equally likely; a plain `byte % 62` would favour the first eight.
 */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new high-entropy token (≥ 256 bits), for sessions, CSRF and email links. */
export function newToken(): string {
  return randomString(BASE62, SECRET_LENGTH);
}

/** The lowercase hex SHA-256 of a token: what the tables keep. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` hashes to `storedHex`, in time independent of where they differ. */
export function tokenMatches(token: string, storedHex: string): boolean {
  const actual = createHash('sha256').update(token, 'utf8').digest();
  const expected = Buffer.from(storedHex, 'hex');
  // A malformed stored hash (never written by this code) must not throw from timingSafeEqual.
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(actual, expected);
}

/** A new API key: its id, the whole credential to hand out once, and the hash to store. */
export function newApiKey(): { id: string; credential: string; secretHash: string } {
  const id = randomString(BASE32, KEY_ID_LENGTH);
  const secret = randomString(BASE62, SECRET_LENGTH);
  return { id, credential: `${KEY_PREFIX}_${id}_${secret}`, secretHash: sha256Hex(secret) };
}

/** Splits `hdb_<id>_<secret>`; undefined when it is not one (no lookup is made then). */
export function parseApiKey(credential: string): { id: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(credential);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** What listings show for a key: its id, never a character of its secret. */
export function displayKey(id: string): string {
  return `${KEY_PREFIX}_${id}_…`;
}

/**
 * argon2id as OWASP's password storage cheat sheet recommends at its baseline: 19 MiB of memory,
 * 2 passes, 1 lane — about 16 ms per hash on this repository's 2-core reference machine
 * (services/catalog/test/bench/password-hash.ts). Memory is what makes guessing on GPUs
 * expensive; it is bounded per process by libuv's thread pool (4 threads → ≤ 76 MiB at once).
 * The parameters are part of each PHC string, so raising them later re-hashes on the next login
 * (needsRehash) without invalidating stored passwords.
 */
export const PASSWORD_PARAMS = {
  // Algorithm.Argon2id: the package declares the enum `const`, which isolated modules cannot read.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Bytes a password may have: argon2 takes any length, but a megabyte "password" is a DoS. */
export const MAX_PASSWORD_BYTES = 1024;
/** Characters a password needs at least (NIST SP 800-63B's minimum for user-chosen ones). */
export const MIN_PASSWORD_LENGTH = 8;

/** The PHC string of `password` (async: the work runs off the event loop). */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, PASSWORD_PARAMS);
}

/** Whether `password` is the one `phc` was made from (argon2's verify compares in constant time). */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(phc, password);
  } catch {
    // A hash this code did not write (corrupt row): no password matches it.
    return false;
  }
}

/** Whether `phc` was made with weaker parameters than today's (then re-hash after a login). */
export function needsRehash(phc: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!match) return true;
  return (
    Number(match[1]) < PASSWORD_PARAMS.memoryCost ||
    Number(match[2]) < PASSWORD_PARAMS.timeCost ||
    Number(match[3]) !== PASSWORD_PARAMS.parallelism
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash to verify against when the email is unknown, so "no such user" takes as long as "wrong
 * password" and the answer's timing does not tell which addresses have accounts.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(newToken());
  return dummyHash;
}

/**
 * An email address as it is compared: Unicode NFC, then lower case (locale-independent), outer
 * spaces trimmed. Done here, not by lower() in SQL, whose result follows the database's collation
 * (a server's en_US.UTF-8 and PGlite's C locale fold non-ASCII letters differently).
 */
export function emailKey(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
