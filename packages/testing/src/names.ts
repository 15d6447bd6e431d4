import { randomBytes } from 'node:crypto';

/** A name no other test uses (lowercase, safe for topics, databases and key prefixes). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
