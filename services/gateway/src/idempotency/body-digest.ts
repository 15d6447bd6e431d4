import { createHash } from 'node:crypto';

/** The header a client names a write with, so that its retries are not applied twice. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

const digests = new WeakMap<object, string>();

/**
 * Remembers the SHA-256 of a request's raw body, only when it carries an Idempotency-Key: the
 * key's fingerprint needs the bytes as sent, which the parsed body no longer is.
 */
export function rememberBodyDigest(
  request: { headers: Record<string, unknown> },
  body: Uint8Array,
): void {
  if (request.headers[IDEMPOTENCY_HEADER] === undefined) return;
  digests.set(request, createHash('sha256').update(body).digest('base64url'));
}

/** The digest {@link rememberBodyDigest} kept; an empty body's when none was parsed. */
export function bodyDigestOf(request: object): string {
  return digests.get(request) ?? createHash('sha256').digest('base64url');
}
