import { Code } from '@huedb/grpc';
import { EmailTokenPurpose, MemberRole } from '@huedb/proto/control';
import { getInfra, uniqueName, waitForMail } from '@huedb/testing';
import { describe, expect, it } from 'vitest';
import { useTestCatalog } from './support/catalog.js';
import { DRIVER_KINDS } from './support/drivers.js';
import { expectCode } from './support/rpc.js';

const LINK = 'https://console.huedb.test/accept?token={token}';

/** The token in a mail's link. */
function tokenIn(text: string): string {
  const match = /https:\/\/console\.huedb\.test\/accept\?token=([0-9A-Za-z]+)/.exec(text);
  expect(match, text).not.toBeNull();
  return match![1]!;
}

/** Email tokens the control plane mails itself, through a real SMTP catcher (Mailpit). */
describe.each(DRIVER_KINDS)('control plane mail on %s', (kind) => {
  const t = useTestCatalog(kind, 'control_mail', () => ({
    mail: { smtpUrl: getInfra().mail.smtpUrl, mailFrom: 'HueDB <no-reply@huedb.test>' },
  }));
  const { control, scope } = t;

  it('mails a verification link whose token verifies once; the response has no token', async () => {
    const email = `${uniqueName('verify')}@example.com`;
    await control.createUser({ email, password: 'long enough' });
    const issued = await control.issueEmailToken({
      purpose: EmailTokenPurpose.VERIFICATION,
      email,
      linkTemplate: LINK,
    });
    expect(issued).toMatchObject({ token: '', delivered: true });
    const mail = await waitForMail(getInfra().mail, email);
    expect(mail).toMatchObject({
      from: 'no-reply@huedb.test',
      subject: 'Verify your HueDB email address',
    });
    const token = tokenIn(mail.text);
    const { user } = await control.verifyEmailToken({
      token,
      purpose: EmailTokenPurpose.VERIFICATION,
    });
    expect(user?.verifiedAtMs).toBeGreaterThan(0n);
    await expectCode(
      control.verifyEmailToken({ token, purpose: EmailTokenPurpose.VERIFICATION }),
      Code.UNAUTHENTICATED,
    );
  });

  it('mails an invite naming the tenant', async () => {
    const { tenant } = await scope();
    const email = `${uniqueName('invite')}@example.com`;
    await control.issueEmailToken({
      purpose: EmailTokenPurpose.INVITE,
      email,
      tenant,
      role: MemberRole.MEMBER,
      linkTemplate: LINK,
    });
    const mail = await waitForMail(getInfra().mail, email);
    expect(mail.subject).toBe(`You are invited to the HueDB tenant ${tenant}`);
    const accepted = await control.verifyEmailToken({
      token: tokenIn(mail.text),
      purpose: EmailTokenPurpose.INVITE,
      newPassword: 'long enough',
    });
    expect(accepted.membership).toMatchObject({ tenant, role: MemberRole.MEMBER });
  });

  it('rejects a link template without {token}', async () => {
    const email = `${uniqueName('bad')}@example.com`;
    await control.createUser({ email });
    await expectCode(
      control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email,
        linkTemplate: 'https://x/verify',
      }),
      Code.INVALID_ARGUMENT,
    );
  });
});

describe('control plane without SMTP', () => {
  const { control } = useTestCatalog('pglite', 'control_nomail');

  it('refuses to mail a token', async () => {
    const email = `${uniqueName('nomail')}@example.com`;
    await control.createUser({ email });
    await expectCode(
      control.issueEmailToken({
        purpose: EmailTokenPurpose.VERIFICATION,
        email,
        linkTemplate: LINK,
      }),
      Code.FAILED_PRECONDITION,
    );
  });
});
