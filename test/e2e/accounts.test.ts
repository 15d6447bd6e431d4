import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  provideInfra,
  SingleNodeProcess,
  uniqueName,
  waitForMail,
  type MailCatcher,
  type ProvidedInfra,
} from '@huedb/testing';

/**
 * The accounts API end to end (docs/decisions/0023-accounts-api.md): signup → the verification
 * mail, read from a real SMTP catcher (Mailpit) → verify → tenant, database and first key → login
 * (cookie + CSRF) → keys over the session → logout; the login limit; password reset; invites;
 * invite-only signup. On nodes of its own: they mail to the catcher, and one has signup off.
 */
const PUBLIC_URL = 'http://console.huedb.test';
const LOGIN_ATTEMPTS = 3;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  cookies: string[];
}

/** A browser's worth of state: the cookies it was given and the CSRF token login answered. */
class Client {
  cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(private readonly base: string) {}

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
async function mailedToken(mail: MailCatcher, to: string, subject: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const caught = await waitForMail(mail, to);
    if (subject.test(caught.subject)) {
      const link = /(https?:\/\/\S+)/.exec(caught.text)?.[1];
      expect(link?.startsWith(`${PUBLIC_URL}/accounts/`)).toBe(true);
      return decodeURIComponent(new URL(link!).searchParams.get('token')!);
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${String(subject)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const newEmail = () => `${uniqueName('acct').toLowerCase()}@example.test`;
const PASSWORD = 'correct horse battery staple';

describe('accounts: signup, login, keys, reset and invites over the JSON API', () => {
  let provided: ProvidedInfra;
  let mail: MailCatcher;
  let node: SingleNodeProcess;
  let inviteOnly: SingleNodeProcess;
  let unverified: SingleNodeProcess;

  beforeAll(async () => {
    provided = await provideInfra();
    mail = provided.infra.mail;
    const env = {
      HUEDB_SMTP_URL: mail.smtpUrl,
      HUEDB_PUBLIC_URL: PUBLIC_URL,
      HUEDB_LOGIN_ATTEMPTS_PER_ACCOUNT: String(LOGIN_ATTEMPTS),
    };
    [node, inviteOnly, unverified] = await Promise.all([
      // With API-key auth on, so the key an account gets is the one that opens its tenant.
      SingleNodeProcess.start({ env: { ...env, HUEDB_AUTH: 'true' } }),
      SingleNodeProcess.start({ env: { ...env, HUEDB_SIGNUP: 'false' } }),
      SingleNodeProcess.start({ env: { HUEDB_EMAIL_VERIFICATION: 'false' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([
      node?.kill('SIGTERM'),
      inviteOnly?.kill('SIGTERM'),
      unverified?.kill('SIGTERM'),
    ]);
    await provided?.release();
  });

  /** Signs up and verifies through the mail; the verification's answer. */
  async function verifiedAccount(email: string): Promise<Record<string, unknown>> {
    const client = new Client(node.url);
    const signup = await client.call('POST', '/api/v2/accounts/signup', {
      email,
      password: PASSWORD,
    });
    expect(signup).toMatchObject({ status: 202, body: { accepted: true } });
    const token = await mailedToken(mail, email, /Verify/);
    const verified = await client.call('POST', '/api/v2/accounts/verify', { token });
    expect(verified.status).toBe(200);
    return verified.body;
  }

  it('signup → mail → verify → key once → write and read with it → login → keys with CSRF → logout', async () => {
    const email = newEmail();
    const account = await verifiedAccount(email);
    const tenant = account.tenant as string;
    const firstKey = account.api_key as Record<string, unknown>;
    expect(tenant).toMatch(/^acct-[a-z0-9-]+-[0-9a-f]{8}$/);
    expect(account).toMatchObject({
      database: 'default_database',
      user: { email, verified: true },
    });
    expect(firstKey).toMatchObject({ tenant, role: 'read_write', revoked_at_ms: null });
    expect(firstKey.secret).toMatch(new RegExp(`^hdb_${String(firstKey.id)}_`));

    // The first key opens the tenant's database: write and read back through the Chroma API.
    const dbPath = `${node.url}/api/v2/tenants/${tenant}/databases/default_database`;
    const withKey = (token: string | null, method = 'GET', body?: unknown) => ({
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { 'x-chroma-token': token }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const secret = String(firstKey.secret);
    expect((await fetch(dbPath, withKey(null))).status).toBe(401);
    expect((await fetch(dbPath, withKey(secret))).status).toBe(200);
    const collection = await fetch(
      `${dbPath}/collections`,
      withKey(secret, 'POST', { name: 'first-collection' }),
    );
    expect(collection.status).toBe(200);
    const collectionId = ((await collection.json()) as { id: string }).id;
    const added = await fetch(
      `${dbPath}/collections/${collectionId}/add`,
      withKey(secret, 'POST', { ids: ['r1'], embeddings: [[1, 2, 3]], documents: ['hello'] }),
    );
    expect(added.status).toBe(201);
    const read = await fetch(
      `${dbPath}/collections/${collectionId}/get`,
      withKey(secret, 'POST', { include: ['documents'] }),
    );
    expect(await read.json()).toMatchObject({ ids: ['r1'], documents: ['hello'] });

    // Signing up again with the address answers alike, and sends no new mail.
    const again = await new Client(node.url).call('POST', '/api/v2/accounts/signup', {
      email,
      password: 'another password entirely',
    });
    expect(again).toMatchObject({ status: 202, body: { accepted: true } });

    const browser = new Client(node.url);
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
    expect(sessionCookie).not.toMatch(/Secure/);
    expect(login.cookies.find((c) => c.startsWith('huedb_csrf='))).not.toMatch(/HttpOnly/);
    expect(JSON.stringify(login.body)).not.toContain(sessionCookie.split(';')[0]!.split('=')[1]);

    const me = await browser.call('GET', '/api/v2/accounts/me');
    expect(me.body).toMatchObject({
      user: { email },
      memberships: [{ tenant, role: 'owner' }],
    });

    const keys = `/api/v2/accounts/tenants/${tenant}/keys`;
    const listed = await browser.call('GET', keys);
    expect((listed.body.keys as { id: string }[]).map((k) => k.id)).toEqual([firstKey.id]);
    expect(JSON.stringify(listed.body)).not.toContain(String(firstKey.secret));

    // Writes without the CSRF token, or with another, are refused and change nothing.
    for (const csrf of [null, 'forged']) {
      const refused = await browser.call('POST', keys, { name: 'ci' }, { csrf });
      expect(refused).toMatchObject({ status: 403, body: { error: 'ChromaError' } });
    }
    const created = await browser.call('POST', keys, { name: 'ci', role: 'read' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: { name: 'ci', role: 'read', tenant } });
    const newId = (created.body.key as { id: string }).id;
    expect(created.body.secret).toMatch(new RegExp(`^hdb_${newId}_`));
    const two = await browser.call('GET', keys);
    expect((two.body.keys as { id: string }[]).map((k) => k.id)).toEqual([firstKey.id, newId]);

    expect(
      (await browser.call('DELETE', `${keys}/${newId}`, undefined, { csrf: null })).status,
    ).toBe(403);
    const revoked = await browser.call('DELETE', `${keys}/${newId}`);
    expect(revoked.status).toBe(200);
    expect((revoked.body.key as { revoked_at_ms: number | null }).revoked_at_ms).toBeGreaterThan(0);
    const one = await browser.call('GET', keys);
    expect((one.body.keys as { id: string }[]).map((k) => k.id)).toEqual([firstKey.id]);

    // Another account has no say in this tenant.
    const stranger = new Client(node.url);
    const strangerEmail = newEmail();
    const strangerAccount = await verifiedAccount(strangerEmail);
    await stranger.login(strangerEmail, PASSWORD);
    expect((await stranger.call('GET', keys)).status).toBe(403);
    expect((await stranger.call('POST', keys, { name: 'x' })).status).toBe(403);
    // …nor does its key: the first tenant's records stay out of its reach.
    const strangerKey = String((strangerAccount.api_key as { secret: string }).secret);
    const foreign = await fetch(
      `${dbPath}/collections/${collectionId}/get`,
      withKey(strangerKey, 'POST', {}),
    );
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ error: 'ChromaError', message: 'Permission denied.' });

    expect(
      (await browser.call('POST', '/api/v2/accounts/logout', undefined, { csrf: null })).status,
    ).toBe(403);
    const logout = await browser.call('POST', '/api/v2/accounts/logout');
    expect(logout.status).toBe(200);
    expect(browser.cookies.has('huedb_session')).toBe(false);
    expect((await browser.call('GET', '/api/v2/accounts/me')).status).toBe(401);

    // Neither the password nor any secret reached the node's log.
    const log = readFileSync(node.logFile, 'utf8');
    expect(log).toContain('/api/v2/accounts/login');
    const sessionToken = sessionCookie.split(';')[0]!.split('=')[1]!;
    for (const secret of [
      PASSWORD,
      String(firstKey.secret),
      sessionToken,
      String(login.body.csrf_token),
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('a used or made-up verification token is a 401', async () => {
    const answer = await new Client(node.url).call('POST', '/api/v2/accounts/verify', {
      token: 'made-up',
    });
    expect(answer).toMatchObject({ status: 401, body: { error: 'ChromaError' } });
  });

  it(`answers 429 after ${LOGIN_ATTEMPTS} failed logins of an account, even with the right password`, async () => {
    const email = newEmail();
    await verifiedAccount(email);
    const client = new Client(node.url);
    for (let i = 0; i < LOGIN_ATTEMPTS; i++) {
      expect((await client.login(email, `wrong ${i}`)).status).toBe(401);
    }
    const limited = await client.login(email, PASSWORD);
    expect(limited).toMatchObject({ status: 429, body: { error: 'RateLimitError' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(client.cookies.has('huedb_session')).toBe(false);
  });

  it('password reset: 202 for any address, the mailed token sets a new password once', async () => {
    const email = newEmail();
    await verifiedAccount(email);
    const client = new Client(node.url);
    const session = new Client(node.url);
    await session.login(email, PASSWORD);
    for (const address of [email, newEmail()]) {
      const asked = await client.call('POST', '/api/v2/accounts/password-reset', {
        email: address,
      });
      expect(asked).toMatchObject({ status: 202, body: { accepted: true } });
    }
    const token = await mailedToken(mail, email, /Reset/);
    const newPassword = 'a brand new passphrase';
    const confirmed = await client.call('POST', '/api/v2/accounts/password-reset/confirm', {
      token,
      password: newPassword,
    });
    expect(confirmed).toMatchObject({ status: 200, body: { user: { email } } });
    const reused = await client.call('POST', '/api/v2/accounts/password-reset/confirm', {
      token,
      password: 'yet another passphrase',
    });
    expect(reused.status).toBe(401);
    // The reset ended the sessions that were open.
    expect((await session.call('GET', '/api/v2/accounts/me')).status).toBe(401);
    expect((await client.login(email, PASSWORD)).status).toBe(401);
    expect((await client.login(email, newPassword)).status).toBe(200);
  });

  it('invites: an owner invites a new address, which joins with a password, as a member', async () => {
    const ownerEmail = newEmail();
    const { tenant } = (await verifiedAccount(ownerEmail)) as { tenant: string };
    const owner = new Client(node.url);
    await owner.login(ownerEmail, PASSWORD);
    const invitee = newEmail();
    const invites = `/api/v2/accounts/tenants/${tenant}/invites`;
    expect(
      (await owner.call('POST', invites, { email: invitee, role: 'member' }, { csrf: null }))
        .status,
    ).toBe(403);
    const invited = await owner.call('POST', invites, { email: invitee, role: 'member' });
    expect(invited).toMatchObject({ status: 202, body: { accepted: true } });

    const token = await mailedToken(mail, invitee, /invited/);
    const guest = new Client(node.url);
    // An address without an account needs a password to accept.
    expect((await guest.call('POST', '/api/v2/accounts/invites/accept', { token })).status).toBe(
      400,
    );
    const accepted = await guest.call('POST', '/api/v2/accounts/invites/accept', {
      token,
      password: PASSWORD,
    });
    expect(accepted).toMatchObject({
      status: 200,
      body: { user: { email: invitee, verified: true }, membership: { tenant, role: 'member' } },
    });
    await guest.login(invitee, PASSWORD);
    expect((await guest.call('GET', '/api/v2/accounts/me')).body).toMatchObject({
      memberships: [{ tenant, role: 'member' }],
    });
    // A member uses the tenant but does not manage its keys or members.
    expect((await guest.call('GET', `/api/v2/accounts/tenants/${tenant}/keys`)).status).toBe(403);
    expect((await guest.call('POST', invites, { email: newEmail(), role: 'admin' })).status).toBe(
      403,
    );
  });

  it('invite-only: signup is a 403 in Chroma’s error format', async () => {
    const answer = await new Client(inviteOnly.url).call('POST', '/api/v2/accounts/signup', {
      email: newEmail(),
      password: PASSWORD,
    });
    expect(answer).toMatchObject({ status: 403, body: { error: 'ChromaError' } });
    expect(answer.body.message).toMatch(/invite/);
  });

  it('an invite to an existing account is accepted over its session, with the CSRF token', async () => {
    const ownerEmail = newEmail();
    const { tenant } = (await verifiedAccount(ownerEmail)) as { tenant: string };
    const owner = new Client(node.url);
    await owner.login(ownerEmail, PASSWORD);
    const memberEmail = newEmail();
    await verifiedAccount(memberEmail);
    const member = new Client(node.url);
    await member.login(memberEmail, PASSWORD);
    const invites = `/api/v2/accounts/tenants/${tenant}/invites`;
    const invited = await owner.call('POST', invites, { email: memberEmail, role: 'admin' });
    expect(invited.status).toBe(202);
    const token = await mailedToken(mail, memberEmail, /invited/);
    const accept = '/api/v2/accounts/invites/accept';
    expect((await member.call('POST', accept, { token }, { csrf: null })).status).toBe(403);
    const accepted = await member.call('POST', accept, { token });
    expect(accepted).toMatchObject({
      status: 200,
      body: { membership: { tenant, role: 'admin' } },
    });
    const me = await member.call('GET', '/api/v2/accounts/me');
    expect((me.body.memberships as { tenant: string; role: string }[]).map((m) => m.role)).toEqual([
      'owner',
      'admin',
    ]);
    // An admin manages the tenant's keys.
    expect((await member.call('GET', `/api/v2/accounts/tenants/${tenant}/keys`)).status).toBe(200);
  });

  it('without email verification, signup provisions at once and says when an address is taken', async () => {
    const email = newEmail();
    const client = new Client(unverified.url);
    const signup = await client.call('POST', '/api/v2/accounts/signup', {
      email,
      password: PASSWORD,
    });
    expect(signup).toMatchObject({
      status: 201,
      body: { user: { email, verified: true }, database: 'default_database' },
    });
    expect((signup.body.api_key as { secret: string }).secret).toMatch(/^hdb_/);
    const again = await client.call('POST', '/api/v2/accounts/signup', {
      email: email.toUpperCase(),
      password: PASSWORD,
    });
    expect(again).toMatchObject({ status: 409, body: { error: 'ChromaError' } });
    expect((await client.login(email, PASSWORD)).status).toBe(200);
  });
});
