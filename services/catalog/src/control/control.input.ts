import { invalid } from '../catalog.errors.js';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from './secrets.js';

/*
 * Checks of the control plane's input. Deliberately plain: an email address is proved by the
 * verification mail, not by a regular expression; here it only has to look like one.
 */

/** Longest address SMTP carries (RFC 5321: 64 + 1 + 255). */
const MAX_EMAIL_LENGTH = 320;

export function requireEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (
    trimmed.length > MAX_EMAIL_LENGTH ||
    at <= 0 ||
    at === trimmed.length - 1 ||
    // Spaces, controls and angle brackets would break the headers a mail is sent with.
    /[\s\p{Cc}<>,;]/u.test(trimmed)
  ) {
    throw invalid(`Invalid email address [${email}]`);
  }
  return trimmed;
}

export function requirePassword(password: string): string {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw invalid(`A password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw invalid(`A password may have at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  return password;
}

/** A TTL from a request: the default for 0, else within [1 ms, max]. */
export function ttlMs(requested: bigint, defaultMs: bigint, maxMs: bigint): bigint {
  if (requested === 0n) return defaultMs;
  if (requested < 0n || requested > maxMs) {
    throw invalid(`ttl_ms must be between 1 and ${maxMs}`);
  }
  return requested;
}

/** A non-empty field of at most `max` characters. */
export function requireText(what: string, text: string, max = 256): string {
  if (text === '') throw invalid(`${what} must not be empty`);
  if (text.length > max) throw invalid(`${what} may have at most ${max} characters`);
  return text;
}
