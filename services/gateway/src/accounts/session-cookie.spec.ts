import { parseSetCookie } from 'cookie';
import { describe, expect, it } from 'vitest';
import {
  clearedCookies,
  CSRF_COOKIE,
  csrfHeaderOf,
  isSecureRequest,
  SESSION_COOKIE,
  sessionCookies,
  sessionTokenOf,
} from './session-cookie.js';

const plain = {
  protocol: 'http',
  forwardedProto: undefined,
  trustProxyTls: false,
  publicUrl: 'http://127.0.0.1:8000',
};

describe('isSecureRequest', () => {
  it('is Secure over TLS to the gateway or with an https public URL, not on plain http', () => {
    expect(isSecureRequest(plain)).toBe(false);
    expect(isSecureRequest({ ...plain, protocol: 'https' })).toBe(true);
    expect(isSecureRequest({ ...plain, publicUrl: 'https://db.example' })).toBe(true);
  });

  it('believes X-Forwarded-Proto only when told to trust the proxy, and reads its first hop', () => {
    expect(isSecureRequest({ ...plain, forwardedProto: 'https' })).toBe(false);
    const trusted = { ...plain, trustProxyTls: true };
    expect(isSecureRequest({ ...trusted, forwardedProto: 'https' })).toBe(true);
    expect(isSecureRequest({ ...trusted, forwardedProto: 'HTTPS, http' })).toBe(true);
    expect(isSecureRequest({ ...trusted, forwardedProto: 'http, https' })).toBe(false);
    expect(isSecureRequest({ ...trusted, forwardedProto: ['https'] })).toBe(true);
    expect(isSecureRequest({ ...trusted, forwardedProto: undefined })).toBe(false);
  });
});

describe('sessionCookies', () => {
  const session = { token: 'sess-token', csrfToken: 'csrf-token', expiresAtMs: 61_000 };

  it('sets an HttpOnly session cookie and a readable CSRF cookie, Lax, Path=/, for the session', () => {
    const [sessionCookie, csrfCookie] = sessionCookies(session, false, 1_000).map((c) =>
      parseSetCookie(c),
    );
    expect(sessionCookie).toMatchObject({
      name: SESSION_COOKIE,
      value: 'sess-token',
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      maxAge: 60,
    });
    expect(sessionCookie!.secure).toBeFalsy();
    expect(csrfCookie).toMatchObject({ name: CSRF_COOKIE, value: 'csrf-token', maxAge: 60 });
    expect(csrfCookie!.httpOnly).toBeFalsy();
  });

  it('marks both Secure when asked', () => {
    for (const cookie of sessionCookies(session, true, 1_000)) {
      expect(parseSetCookie(cookie).secure).toBe(true);
      expect(cookie).toMatch(/; Secure/);
    }
  });

  it('logout clears both (empty, Max-Age=0)', () => {
    const cleared = clearedCookies(true).map((c) => parseSetCookie(c));
    expect(cleared.map((c) => [c.name, c.value, c.maxAge])).toEqual([
      [SESSION_COOKIE, '', 0],
      [CSRF_COOKIE, '', 0],
    ]);
    expect(cleared[0]!.httpOnly).toBe(true);
  });
});

describe('reading a request', () => {
  it('finds the session token among other cookies, and nothing without one', () => {
    expect(sessionTokenOf(`a=1; ${SESSION_COOKIE}=abc; ${CSRF_COOKIE}=x`)).toBe('abc');
    expect(sessionTokenOf('a=1')).toBeUndefined();
    expect(sessionTokenOf(`${SESSION_COOKIE}=`)).toBeUndefined();
    expect(sessionTokenOf(undefined)).toBeUndefined();
  });

  it('takes the CSRF header (the first of repeated ones); an empty one is none', () => {
    expect(csrfHeaderOf('t')).toBe('t');
    expect(csrfHeaderOf(['t', 'u'])).toBe('t');
    expect(csrfHeaderOf('')).toBeUndefined();
    expect(csrfHeaderOf(undefined)).toBeUndefined();
  });
});
