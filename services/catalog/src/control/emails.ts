import type { Mail } from '@huedb/service';
import { invalid } from '../catalog.errors.js';

/**
 * The mails the control plane sends, by purpose. Plain text with the link alone on a line (every
 * client makes it clickable; no HTML to keep safe). The wording is deliberately plain; a console
 * that wants branded mails renders its own and calls IssueEmailToken without a link template.
 */
export function emailFor(
  purpose: string,
  to: string,
  link: string,
  context: { tenant: string | null; expiresAtMs: bigint },
): Mail {
  const expires = new Date(Number(context.expiresAtMs)).toISOString();
  switch (purpose) {
    case 'verification':
      return {
        to,
        subject: 'Verify your HueDB email address',
        text: `Open this link to verify your email address:\n\n${link}\n\nIt works once, until ${expires}. If you did not sign up for HueDB, ignore this mail.\n`,
      };
    case 'reset':
      return {
        to,
        subject: 'Reset your HueDB password',
        text: `Open this link to choose a new password:\n\n${link}\n\nIt works once, until ${expires}, and signs you out everywhere. If you did not ask for it, ignore this mail: your password stays as it is.\n`,
      };
    default:
      return {
        to,
        subject: `You are invited to the HueDB tenant ${context.tenant ?? ''}`.trimEnd(),
        text: `You are invited to join the HueDB tenant "${context.tenant ?? ''}". Open this link to accept:\n\n${link}\n\nIt works once, until ${expires}.\n`,
      };
  }
}

/** The link of a mail: the template with `{token}` replaced; INVALID_ARGUMENT without one. */
export function linkFor(template: string, token: string): string {
  if (!template.includes('{token}')) throw invalid('link_template must contain {token}');
  if (!/^https?:\/\//.test(template)) throw invalid('link_template must be an http(s) URL');
  return template.replaceAll('{token}', encodeURIComponent(token));
}
