import { ChromaClient } from 'chromadb';
import { expect } from 'vitest';
import { tokenHeaders, uniqueName, waitForMail, type MailCatcher } from '@huedb/testing';

/**
 * The accounts flow of issue 11, independent of the deployment it runs on (a single node of the
 * accounts suite's own, or the shared e2e cluster): signup → the verification mail, read from the
 * SMTP catcher (Mailpit) → verify → tenant, database and the first key, shown once → records
 * written with it through the official JS client on one gateway and read back on another →
 * login (cookie + CSRF) → keys over the session → another account kept out → logout.
 */

/** Where the flow runs. */
export interface AccountsTarget {
  /** Gateway base URLs: the flow writes through the second (the first again if there is one). */
  urls: string[];
  mail: MailCatcher;
  /** The gateways' HUEDB_PUBLIC_URL: mailed links start with it; https makes cookies Secure. */
  publicUrl: string;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  cookies: string[];
}

export const PASSWORD = 'correct horse battery staple';
export const newEmail = () => `${uniqueName('acct').toLowerCase()}@example.test`;

/** A browser's worth of state: the cookies it was given and the CSRF token login answered. */
export class Client {
  cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(private readonly base: string) {}

  /** The same browser talking to another gateway (cookies and CSRF token shared). */
  on(base: string): Client {
    const other = new Client(base);
    other.cookies = this.cookies;
    other.csrf = this.csrf;
    return other;
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: string | null } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const cookies = response.headers.getSetCookie();
    for (const cookie of cookies) {
      const [pair] = cookie.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      headers: response.headers,
      cookies,
    };
  }

  async login(email: string, password: string): Promise<Answer> {
    const answer = await this.call('POST', '/api/v2/accounts/login', { email, password });
    if (answer.status === 200) this.csrf = answer.body.csrf_token as string;
    return answer;
  }
}

/** The token of the newest mail to `to` whose subject matches (earlier mails may be there too). */
export async function mailedToken(
  target: AccountsTarget,
  to: string,
  subject: RegExp,
): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const caught = await waitForMail(target.mail, to);
    if (subject.test(caught.subject)) {
      const link = /(https?:\/\/\S+)/.exec(caught.text)?.[1];
      expect(link?.startsWith(`${target.publicUrl}/accounts/`)).toBe(true);
      return decodeURIComponent(new URL(link!).searchParams.get('token')!);
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${String(subject)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Signs up on the first gateway and verifies through the mail; the verification's answer. */
export async function verifiedAccount(
  target: AccountsTarget,
  email: string,
): Promise<Record<string, unknown>> {
  const client = new Client(target.urls[0]!);
  const signup = await client.call('POST', '/api/v2/accounts/signup', {
    email,
    password: PASSWORD,
  });
  expect(signup).toMatchObject({ status: 202, body: { accepted: true } });
  const token = await mailedToken(target, email, /Verify/);
  const verified = await client.call('POST', '/api/v2/accounts/verify', { token });
  expect(verified.status).toBe(200);
  return verified.body;
}

/** The official JS client on `base`, presenting `key` in its headers. */
function chromaWithKey(base: string, key: string, tenant: string): ChromaClient {
  const url = new URL(base);
  return new ChromaClient({
    host: url.hostname,
    port: Number(url.port),
    ssl: url.protocol === 'https:',
    tenant,
    database: 'default_database',
    headers: tokenHeaders(key),
  });
}

/** The secrets the flow saw, for a caller that checks none of them reached a log. */
export interface FlowSecrets {
  firstKey: string;
  sessionToken: string;
  csrfToken: string;
}

/** Runs the whole flow on `target`; the secrets it handled. */
export async function runAccountsFlow(target: AccountsTarget): Promise<FlowSecrets> {
  const [reader, writer = reader] = [target.urls[0]!, target.urls[1]];
  const email = newEmail();
  const account = await verifiedAccount(target, email);
  const tenant = account.tenant as string;
  const firstKey = account.api_key as Record<string, unknown>;
  expect(tenant).toMatch(/^acct-[a-z0-9-]+-[0-9a-f]{8}$/);
  expect(account).toMatchObject({
    database: 'default_database',
    user: { email, verified: true },
  });
  expect(firstKey).toMatchObject({ tenant, role: 'read_write', revoked_at_ms: null });
  expect(firstKey.secret).toMatch(new RegExp(`^hdb_${String(firstKey.id)}_`));
  const secret = String(firstKey.secret);

  // The first key opens the tenant's database: records written through one gateway with the
  // official client are read back through the other. Without a key, the database is closed.
  const dbPath = `/api/v2/tenants/${tenant}/databases/default_database`;
  expect((await fetch(`${reader}${dbPath}`)).status).toBe(401);
  const name = 'first-collection';
  const written = await chromaWithKey(writer, secret, tenant).createCollection({
    name,
    embeddingFunction: null,
  });
  await written.add({
    ids: ['r1', 'r2'],
    embeddings: [
      [1, 2, 3],
      [3, 2, 1],
    ],
    documents: ['hello', 'world'],
  });
  const readBack = await chromaWithKey(reader, secret, tenant).getCollection({ name });
  expect(await readBack.get({ include: ['documents'] })).toMatchObject({
    ids: ['r1', 'r2'],
    documents: ['hello', 'world'],
  });

  // Signing up again with the address answers alike (no account enumeration).
  const again = await new Client(reader).call('POST', '/api/v2/accounts/signup', {
    email,
    password: 'another password entirely',
  });
  expect(again).toMatchObject({ status: 202, body: { accepted: true } });

  const browser = new Client(reader);
  expect((await browser.call('GET', '/api/v2/accounts/me')).status).toBe(401);
  const wrong = await browser.login(email, 'not the password');
  const unknown = await browser.login(newEmail(), PASSWORD);
  for (const refused of [wrong, unknown]) {
    expect(refused).toMatchObject({
      status: 401,
      body: { error: 'ChromaError', message: 'Invalid email or password' },
    });
  }
  const login = await browser.login(email, PASSWORD);
  expect(login.status).toBe(200);
  const sessionCookie = login.cookies.find((c) => c.startsWith('huedb_session='))!;
  expect(sessionCookie).toMatch(/HttpOnly/);
  expect(sessionCookie).toMatch(/SameSite=Lax/);
  expect(sessionCookie).toMatch(/Path=\//);
  // Secure exactly when users reach the deployment over https (HUEDB_PUBLIC_URL).
  expect(/Secure/.test(sessionCookie)).toBe(target.publicUrl.startsWith('https://'));
  expect(login.cookies.find((c) => c.startsWith('huedb_csrf='))).not.toMatch(/HttpOnly/);
  const sessionToken = sessionCookie.split(';')[0]!.split('=')[1]!;
  expect(JSON.stringify(login.body)).not.toContain(sessionToken);

  const me = await browser.call('GET', '/api/v2/accounts/me');
  expect(me.body).toMatchObject({ user: { email }, memberships: [{ tenant, role: 'owner' }] });

  const keys = `/api/v2/accounts/tenants/${tenant}/keys`;
  const listed = await browser.call('GET', keys);
  expect((listed.body.keys as { id: string }[]).map((k) => k.id)).toEqual([firstKey.id]);
  expect(JSON.stringify(listed.body)).not.toContain(secret);

  // The session works on every gateway; writes without the CSRF token, or with another, are
  // refused and change nothing.
  const elsewhere = browser.on(writer);
  for (const csrf of [null, 'forged']) {
    const refused = await elsewhere.call('POST', keys, { name: 'ci' }, { csrf });
    expect(refused).toMatchObject({ status: 403, body: { error: 'ChromaError' } });
  }
  const created = await elsewhere.call('POST', keys, { name: 'ci', role: 'read' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ key: { name: 'ci', role: 'read', tenant } });
  const newId = (created.body.key as { id: string }).id;
  expect(created.body.secret).toMatch(new RegExp(`^hdb_${newId}_`));
  // The new key reads the records.
  const withNewKey = chromaWithKey(reader, String(created.body.secret), tenant);
  expect(await (await withNewKey.getCollection({ name })).count()).toBe(2);
  const two = await browser.call('GET', keys);
  expect((two.body.keys as { id: string }[]).map((k) => k.id)).toEqual([firstKey.id, newId]);

  expect((await browser.call('DELETE', `${keys}/${newId}`, undefined, { csrf: null })).status).toBe(
    403,
  );
  const revoked = await browser.call('DELETE', `${keys}/${newId}`);
  expect(revoked.status).toBe(200);
  expect((revoked.body.key as { revoked_at_ms: number | null }).revoked_at_ms).toBeGreaterThan(0);
  const one = await browser.call('GET', keys);
  expect((one.body.keys as { id: string }[]).map((k) => k.id)).toEqual([firstKey.id]);

  // Another account has no say in this tenant…
  const stranger = new Client(reader);
  const strangerEmail = newEmail();
  const strangerAccount = await verifiedAccount(target, strangerEmail);
  await stranger.login(strangerEmail, PASSWORD);
  expect((await stranger.call('GET', keys)).status).toBe(403);
  expect((await stranger.call('POST', keys, { name: 'x' })).status).toBe(403);
  // …nor does its key: the first tenant's records stay out of its reach, on every gateway.
  const strangerKey = String((strangerAccount.api_key as { secret: string }).secret);
  const collectionGet = `${dbPath}/collections/${readBack.id}/get`;
  const getRecords = (base: string, key: string | undefined) =>
    fetch(`${base}${collectionGet}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...tokenHeaders(key) },
      body: '{}',
    });
  for (const base of new Set([reader, writer])) {
    const foreign = await getRecords(base, strangerKey);
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ error: 'ChromaError', message: 'Permission denied.' });
    expect((await getRecords(base, undefined)).status).toBe(401);
  }

  // A copy of the session, to show logging out ends it on the other gateway too.
  const copied = new Client(writer);
  copied.cookies = new Map(browser.cookies);
  expect(
    (await browser.call('POST', '/api/v2/accounts/logout', undefined, { csrf: null })).status,
  ).toBe(403);
  const logout = await browser.call('POST', '/api/v2/accounts/logout');
  expect(logout.status).toBe(200);
  expect(browser.cookies.has('huedb_session')).toBe(false);
  expect((await browser.call('GET', '/api/v2/accounts/me')).status).toBe(401);
  expect((await copied.call('GET', '/api/v2/accounts/me')).status).toBe(401);

  return { firstKey: secret, sessionToken, csrfToken: String(login.body.csrf_token) };
}
