import { isIP } from 'node:net';
import { z } from 'zod';

/** proxy-addr's (Fastify's) names for ranges: 127.0.0.1/8 + ::1, 169.254/16 + fe80::/10, private. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Whether `entry` is an address, a CIDR range, or one of proxy-addr's named ranges. */
export function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const prefix = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * HUEDB_TRUSTED_PROXIES: a comma-separated list of addresses, CIDR ranges and proxy-addr's named
 * ranges; the setting's schema (an empty list = trust no one).
 */
export const trustedProxyList = (): z.ZodType<string[]> =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            isProxyEntry,
            'an entry is not an address, a CIDR range or loopback/linklocal/uniquelocal',
          ),
      ),
    );

/**
 * Fastify's `trustProxy` for the list: the hops whose X-Forwarded-For and X-Forwarded-Proto are
 * believed. `request.ip` is then the nearest address in the chain that is not a trusted proxy —
 * read from the right, so entries a client prepended to the header are never reached while a
 * trusted proxy appended the real one — and `request.protocol` is what the trusted hop says it
 * received. With none (the default) every header is ignored and the socket's peer is the client.
 */
export function trustProxyOption(proxies: readonly string[] | undefined): string[] | false {
  return proxies && proxies.length > 0 ? [...proxies] : false;
}
