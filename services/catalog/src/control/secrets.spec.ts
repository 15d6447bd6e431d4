import { describe, expect, it } from 'vitest';
import {
  displayKey,
  emailKey,
  hashPassword,
  needsRehash,
  newApiKey,
  newToken,
  parseApiKey,
  randomString,
  sha256Hex,
  tokenMatches,
  verifyPassword,
} from './secrets.js';

describe('control plane secrets', () => {
  it('makes keys hdb_<16 base32>_<43 base62> that parse back, each different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = newApiKey();
      expect(key.credential).toMatch(/^hdb_[a-z2-7]{16}_[0-9A-Za-z]{43}$/);
      const parsed = parseApiKey(key.credential)!;
      expect(parsed.id).toBe(key.id);
      expect(sha256Hex(parsed.secret)).toBe(key.secretHash);
      expect(displayKey(key.id)).toBe(`hdb_${key.id}_…`);
      seen.add(key.credential);
    }
    expect(seen.size).toBe(200);
    // 43 base62 characters carry at least 256 bits.
    expect(43 * Math.log2(62)).toBeGreaterThanOrEqual(256);
    for (const bad of ['', 'hdb_', 'hdb_abc_def', `xdb_${'a'.repeat(16)}_${'A'.repeat(43)}`]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });

  it('draws every character of the alphabet about equally often', () => {
    const counts = new Map<string, number>();
    const sample = randomString('abc', 30_000);
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    // Each count is within 6 standard deviations (~82) of 10 000. (Too coarse to see a modulo
    // bias, which randomString avoids by rejection sampling; this catches a broken alphabet walk.)
    for (const c of 'abc') expect(Math.abs(counts.get(c)! - 10_000)).toBeLessThan(500);
    expect(newToken()).toMatch(/^[0-9A-Za-z]{43}$/);
  });

  it('compares token hashes exactly', () => {
    const token = newToken();
    expect(tokenMatches(token, sha256Hex(token))).toBe(true);
    expect(tokenMatches(`${token}x`, sha256Hex(token))).toBe(false);
    expect(tokenMatches(token, 'not hex')).toBe(false);
  });

  it('hashes passwords with argon2id and verifies them', async () => {
    const phc = await hashPassword('correct horse');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(phc, 'correct horse')).toBe(true);
    expect(await verifyPassword(phc, 'correct horsE')).toBe(false);
    expect(await verifyPassword('garbage', 'x')).toBe(false);
    expect(needsRehash(phc)).toBe(false);
    expect(needsRehash(phc.replace('m=19456', 'm=4096'))).toBe(true);
  });

  it('folds emails for comparison', () => {
    expect(emailKey('  Ada@Example.COM ')).toBe('ada@example.com');
    // NFC: a decomposed é equals the composed one.
    expect(emailKey('E\u0301lodie@x.fr')).toBe(emailKey('\u00c9lodie@x.fr'));
  });
});
