import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provideInfra, SingleNodeProcess, type ProvidedInfra } from '@huedb/testing';
import {
  Client,
  mailedToken as mailedTokenOn,
  newEmail,
  PASSWORD,
  runAccountsFlow,
  verifiedAccount as verifiedAccountOn,
  type AccountsTarget,
} from './accounts-flow.js';

/**
 * The accounts API end to end (docs/decisions/0023-accounts-api.md): signup → the verification
 * mail, read from a real SMTP catcher (Mailpit) → verify → tenant, database and first key → login
 * (cookie + CSRF) → keys over the session → logout; the login limit; password reset; invites;
 * invite-only signup. On nodes of its own: they mail to the catcher, and one has signup off.
 * The main flow (accounts-flow.ts) also runs on the shared cluster (accounts-cluster.test.ts).
 */
const PUBLIC_URL = 'http://console.huedb.test';
const LOGIN_ATTEMPTS = 3;

describe('accounts: signup, login, keys, reset and invites over the JSON API', () => {
  let provided: ProvidedInfra;
  let target: AccountsTarget;
  let node: SingleNodeProcess;
  let inviteOnly: SingleNodeProcess;
  let unverified: SingleNodeProcess;

  beforeAll(async () => {
    provided = await provideInfra();
    const mail = provided.infra.mail;
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
    target = { urls: [node.url], mail, publicUrl: PUBLIC_URL };
  });
  afterAll(async () => {
    await Promise.all([
      node?.kill('SIGTERM'),
      inviteOnly?.kill('SIGTERM'),
      unverified?.kill('SIGTERM'),
    ]);
    await provided?.release();
  });

  const verifiedAccount = (email: string) => verifiedAccountOn(target, email);
  const mailedToken = (to: string, subject: RegExp) => mailedTokenOn(target, to, subject);

  it('signup → mail → verify → key once → write and read with it → login → keys with CSRF → logout', async () => {
    const secrets = await runAccountsFlow(target);
    // Neither the password nor any secret reached the node's log.
    const log = readFileSync(node.logFile, 'utf8');
    expect(log).toContain('/api/v2/accounts/login');
    for (const secret of [PASSWORD, secrets.firstKey, secrets.sessionToken, secrets.csrfToken]) {
      expect(log).not.toContain(secret);
    }
  });

  it('a used or made-up verification token is a 401', async () => {
    const answer = await new Client(node.url).call('POST', '/api/v2/accounts/verify', {
      token: 'made-up',
    });
    expect(answer).toMatchObject({ status: 401, body: { error: 'ChromaError' } });
  });

  it('an address with control characters is refused as a bad body (422) on every accounts route, never a 5xx', async () => {
    const client = new Client(node.url);
    for (const email of ['a\u0000@x.io', '\u009b/\u0012\u0000\u0005', 'a\n@x.io']) {
      for (const route of ['login', 'signup', 'password-reset']) {
        const body = route === 'password-reset' ? { email } : { email, password: PASSWORD };
        const answer = await client.call('POST', `/api/v2/accounts/${route}`, body);
        expect(answer.status, `${route} ${JSON.stringify(email)}`).toBe(422);
        expect(answer.body).toMatchObject({ error: 'ChromaError' });
        expect((answer.body as { message: string }).message).toContain('email');
      }
    }
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
    const token = await mailedToken(email, /Reset/);
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

    const token = await mailedToken(invitee, /invited/);
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
    const token = await mailedToken(memberEmail, /invited/);
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
