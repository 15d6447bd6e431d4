import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '@huedb/core';
import type { IncomingHttpHeaders } from 'node:http';

/** Chroma's token header (its clients' `chroma_auth_token_transport_header` default). */
export const CHROMA_TOKEN_HEADER = 'x-chroma-token';

/** Longest credential looked at: keys are 64 characters; anything far longer is not one. */
const MAX_CREDENTIAL_LENGTH = 1024;

/**
 * `hdb_<id>_<secret>`, the control plane's key format (services/catalog/src/control/secrets.ts,
 * decision 0021). Checked here so a credential that cannot be a key costs no RPC.
 */
export const API_KEY_FORMAT = /^hdb_([a-z2-7]{16})_[0-9A-Za-z]{43}$/;

/** The 401 for a request without credentials. */
export function missingCredentials(): UnauthenticatedError {
  return new UnauthenticatedError(
    'Unauthorized: send an API key in the x-chroma-token header or as Authorization: Bearer <key>',
  );
}

/** The 401 for credentials that are malformed, unknown, revoked or expired (one answer for all). */
export function invalidCredentials(): UnauthenticatedError {
  return new UnauthenticatedError('Unauthorized: invalid credentials');
}

/**
 * The credential a request presents, from `x-chroma-token` or `Authorization: Bearer` (Chroma's
 * token clients send one or the other, per `chroma_auth_token_transport_header`). Undefined when
 * neither is there; 401 when a header is repeated, not a Bearer token, or both disagree — an
 * ambiguous credential is never guessed at.
 */
export function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const token = one(headers[CHROMA_TOKEN_HEADER]);
  const authorization = one(headers.authorization);
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw invalidCredentials();
    bearer = match[1];
  }
  const credential = token?.trim() ?? bearer;
  if (token !== undefined && bearer !== undefined && token.trim() !== bearer) {
    throw invalidCredentials();
  }
  if (credential === undefined) return undefined;
  if (credential === '' || credential.length > MAX_CREDENTIAL_LENGTH) throw invalidCredentials();
  return credential;
}

function one(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) throw invalidCredentials();
  return value;
}

/** SHA-256 of a credential: what is kept in memory and compared, never the credential. */
export function digest(credential: string): Buffer {
  return createHash('sha256').update(credential, 'utf8').digest();
}

/**
 * The bootstrap admin credential (HUEDB_ADMIN_TOKEN), kept only as its SHA-256. `matches`
 * compares digests with timingSafeEqual: both are 32 bytes whatever was sent, so the time it
 * takes says nothing about how much of a guess was right.
 */
export class AdminToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  matches(credentialDigest: Buffer): boolean {
    return timingSafeEqual(credentialDigest, this.expected);
  }
}
