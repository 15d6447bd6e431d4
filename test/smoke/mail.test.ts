import { createMailer } from '@huedb/service';
import { afterAll, describe, expect, it } from 'vitest';
import { getInfra, uniqueName, waitForMail } from '@huedb/testing';

describe('SMTP catcher (real Mailpit)', () => {
  const { mail } = getInfra();
  const mailer = createMailer({ smtpUrl: mail.smtpUrl, mailFrom: 'HueDB <no-reply@huedb.test>' });

  afterAll(() => mailer.close());

  it('delivers a mail sent through nodemailer and serves it back over its HTTP API', async () => {
    const to = `${uniqueName('smoke')}@example.com`;
    const token = uniqueName('token');
    const { messageId } = await mailer.send({
      to,
      subject: 'Verify your HueDB account',
      text: `Open https://console.huedb.test/verify?token=${token}`,
      html: `<a href="https://console.huedb.test/verify?token=${token}">Verify</a>`,
    });
    expect(messageId).toMatch(/@/);
    const caught = await waitForMail(mail, to);
    expect(caught).toMatchObject({
      from: 'no-reply@huedb.test',
      to: [to],
      subject: 'Verify your HueDB account',
    });
    expect(caught.text).toContain(`token=${token}`);
    expect(caught.html).toContain(`token=${token}`);
  });

  it('authenticates when the URL carries credentials (as production SMTP wants)', async () => {
    const url = new URL(mail.smtpUrl);
    url.username = 'huedb';
    url.password = 'secret';
    const withAuth = createMailer({ smtpUrl: url.toString(), mailFrom: 'no-reply@huedb.test' });
    try {
      const to = `${uniqueName('smoke-auth')}@example.com`;
      await withAuth.send({ to, subject: 'auth', text: 'hello' });
      expect((await waitForMail(mail, to)).subject).toBe('auth');
    } finally {
      withAuth.close();
    }
  });
});
