import type { MailCatcher } from './infra.js';

/** A mail as the catcher received it. */
export interface CaughtMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

interface SearchResult {
  messages: { ID: string }[];
}

interface Message {
  ID: string;
  From: { Address: string };
  To: { Address: string }[];
  Subject: string;
  Text: string;
  HTML: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * The newest mail to `to` in the catcher (Mailpit's search API), polled until one arrives or
 * `timeoutMs` passes. Tests send to addresses of their own (uniqueName), so "the newest to this
 * address" is the mail the test caused.
 */
export async function waitForMail(
  catcher: MailCatcher,
  to: string,
  options: { timeoutMs?: number } = {},
): Promise<CaughtMail> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const query = encodeURIComponent(`to:"${to}"`);
  for (;;) {
    const found = await getJson<SearchResult>(
      `${catcher.apiUrl}/api/v1/search?query=${query}&limit=1`,
    );
    const first = found.messages[0];
    if (first) {
      const message = await getJson<Message>(`${catcher.apiUrl}/api/v1/message/${first.ID}`);
      return {
        id: message.ID,
        from: message.From.Address,
        to: message.To.map((t) => t.Address),
        subject: message.Subject,
        text: message.Text,
        html: message.HTML,
      };
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
