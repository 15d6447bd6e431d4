import { parseCookie, stringifySetCookie } from 'cookie';

/** The session cookie: HttpOnly, so page scripts never see the session token. */
export const SESSION_COOKIE = 'huedb_session';
/**
 * The CSRF cookie: readable by the console's own scripts (not HttpOnly), which copy it into the
 * {@link CSRF_HEADER} of every write. Another site can make the browser send the cookies but
 * cannot read them, so it cannot set the header. The gateway does not compare the header with
 * this cookie (double submit) but with the token the control plane keeps for the session
 * (synchronizer): a cookie planted by a sibling subdomain does not pass.
 */
export const CSRF_COOKIE = 'huedb_csrf';
/** The header a cookie-authenticated write carries the CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** What decides whether a request came over TLS. */
export interface TlsView {
  /** Fastify's `request.protocol` ('https' when the gateway itself terminates TLS). */
  protocol: string;
  /** The X-Forwarded-Proto header, if any. */
  forwardedProto: string | string[] | undefined;
  /** HUEDB_TRUST_PROXY_TLS: a proxy in front of every request sets X-Forwarded-Proto. */
  trustProxyTls: boolean;
  /** HUEDB_PUBLIC_URL: users reach HueDB at https, whatever the last hop was. */
  publicUrl: string;
}

/**
 * Whether cookies get `Secure`: the request came over TLS (to the gateway itself, or to a proxy
 * the settings say to trust), or the public URL is https. A cookie marked Secure is never sent
 * back over plain HTTP, which is what keeps it off the wire; one not marked on a laptop's
 * http://127.0.0.1 is what lets the console work there at all.
 */
export function isSecureRequest(view: TlsView): boolean {
  if (view.protocol === 'https') return true;
  if (view.publicUrl.startsWith('https://')) return true;
  if (!view.trustProxyTls) return false;
  const header = Array.isArray(view.forwardedProto) ? view.forwardedProto[0] : view.forwardedProto;
  // A chain of proxies lists protocols left to right: the first is what the client used.
  return header?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/**
 * The Set-Cookie values of a new session: the HttpOnly session cookie and the readable CSRF
 * cookie, both SameSite=Lax (a link from another site keeps the user logged in on arrival; its
 * forms' POSTs carry no cookie), Path=/, and living as long as the session.
 */
export function sessionCookies(
  session: { token: string; csrfToken: string; expiresAtMs: number },
  secure: boolean,
  nowMs = Date.now(),
): string[] {
  const maxAge = Math.max(0, Math.floor((session.expiresAtMs - nowMs) / 1000));
  const common = { path: '/', sameSite: 'lax', secure, maxAge } as const;
  return [
    stringifySetCookie({ name: SESSION_COOKIE, value: session.token, ...common, httpOnly: true }),
    stringifySetCookie({ name: CSRF_COOKIE, value: session.csrfToken, ...common }),
  ];
}

/** The Set-Cookie values that end a session in the browser (logout). */
export function clearedCookies(secure: boolean): string[] {
  const common = { path: '/', sameSite: 'lax', secure, maxAge: 0, expires: new Date(0) } as const;
  return [
    stringifySetCookie({ name: SESSION_COOKIE, value: '', ...common, httpOnly: true }),
    stringifySetCookie({ name: CSRF_COOKIE, value: '', ...common }),
  ];
}

/** The session token from a Cookie header; undefined when there is none. */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const token = parseCookie(cookieHeader)[SESSION_COOKIE];
  return token ? token : undefined;
}

/** The CSRF token a request presents in {@link CSRF_HEADER}; undefined when none. */
export function csrfHeaderOf(value: string | string[] | undefined): string | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  return header ? header : undefined;
}
