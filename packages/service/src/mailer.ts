import { createTransport } from 'nodemailer';

/** One mail: plain text always (every client shows it), HTML optionally. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail through one SMTP server. */
export interface Mailer {
  /** Sends `mail`; resolves with the server's message id once the server accepted it. */
  send(mail: Mail): Promise<{ messageId: string }>;
  /** Closes pooled connections. */
  close(): void;
}

/** What a mailer needs: the settings of {@link mailSettings}. */
export interface MailerOptions {
  /** `smtp://[user:pw@]host[:port]` or `smtps://…` (HUEDB_SMTP_URL). */
  smtpUrl: string;
  /** The From header (HUEDB_MAIL_FROM). */
  mailFrom: string;
}

/**
 * A mailer on nodemailer's SMTP transport. Timeouts are short (nodemailer's defaults wait up to
 * 2 minutes for a connection): a signup request waiting on a dead mail server should fail in
 * seconds, and the caller decides whether to retry.
 */
export function createMailer(options: MailerOptions): Mailer {
  const transport = createTransport(
    {
      url: options.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    },
    { from: options.mailFrom },
  );
  return {
    async send(mail) {
      const info = await transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined && { html: mail.html }),
      });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
