import { describe, expect, it } from 'vitest';
import { compareKeys, validateKey, validatePrefix } from './keys.js';
import { InvalidKeyError } from './object-store.js';

describe('validateKey', () => {
  it.each([
    'a',
    'a/b/c.bin',
    '.hidden/..x/...',
    'tenants/t 1/é/😀',
    'v1-9f/manifest.json',
    'k'.repeat(1024),
  ])('accepts %j', (key) => {
    expect(validateKey(key)).toBe(key);
  });

  it.each([
    '',
    '/a',
    'a/',
    'a//b',
    '.',
    '..',
    './a',
    'a/./b',
    'a/..',
    '../a',
    'a/ .. /b',
    'a/\t./b',
    'a\\b',
    'a\0b',
    'k'.repeat(1025),
    'é'.repeat(513), // 1026 bytes of UTF-8
  ])('refuses %j', (key) => {
    expect(() => validateKey(key)).toThrow(InvalidKeyError);
  });
});

describe('validatePrefix', () => {
  it.each(['', 'a', 'a/', 'a/b', 'a/.h', '.h', 'a/b/c/'])('accepts %j', (prefix) => {
    expect(validatePrefix(prefix)).toBe(prefix);
  });

  it.each(['/', '/a', 'a//', '../', 'a/../b', '.', 'a/.', 'a/..', 'a\\', 'a\0'])(
    'refuses %j',
    (prefix) => {
      expect(() => validatePrefix(prefix)).toThrow(InvalidKeyError);
    },
  );
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF21 is one UTF-16 unit above the surrogate D83D of U+1F600, but its UTF-8 is smaller.
    expect(['a/😀', 'a/Ａ', 'a/b', 'a-b', 'a/é'].sort(compareKeys)).toEqual([
      'a-b',
      'a/b',
      'a/é',
      'a/Ａ',
      'a/😀',
    ]);
    expect('😀' < 'Ａ').toBe(true); // the order compareKeys exists to avoid
  });
});
