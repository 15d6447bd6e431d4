import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { compileChromaRegex } from './regex.js';

describe('compileChromaRegex (Rust dialect → JS)', () => {
  it('turns a leading inline-flag group into JS flags', () => {
    expect(compileChromaRegex('(?i)hello').test('HeLLo')).toBe(true);
    expect(compileChromaRegex('hello').test('HeLLo')).toBe(false);
    expect(compileChromaRegex('(?s)a.b').test('a\nb')).toBe(true);
    expect(compileChromaRegex('a.b').test('a\nb')).toBe(false);
    expect(compileChromaRegex('(?m)^b').test('a\nb')).toBe(true);
    expect(compileChromaRegex('(?is)A.B').test('a\nb')).toBe(true);
    expect(compileChromaRegex('(?u)é').test('é')).toBe(true);
  });

  it('is Unicode-aware', () => {
    expect(compileChromaRegex('^.$').test('😀')).toBe(true);
  });

  it('accepts Rust-only syntax that has a JS equivalent', () => {
    const named = compileChromaRegex('(?P<year>[0-9]{4})');
    expect(named.exec('in 2024')?.groups?.['year']).toBe('2024');
    expect(compileChromaRegex('\\Aab').test('ab')).toBe(true);
    expect(compileChromaRegex('(?m)\\Ab').test('a\nb')).toBe(false);
    expect(compileChromaRegex('ab\\z').test('xab')).toBe(true);
    expect(compileChromaRegex('ab\\z').test('ab\n')).toBe(false);
    expect(compileChromaRegex('a\\#b').test('a#b')).toBe(true);
    expect(compileChromaRegex('a\\-b').test('a-b')).toBe(true);
    expect(compileChromaRegex('[a\\-c]').test('-')).toBe(true);
    expect(compileChromaRegex('[a\\-c]').test('b')).toBe(false);
    expect(compileChromaRegex('\\.\\*').test('.*')).toBe(true);
  });

  it.each([
    ['(', 'Invalid regex pattern'],
    ['a{', 'Invalid regex pattern'],
    ['(?=a)', 'look-around'],
    ['(?!a)', 'look-around'],
    ['(?<=a)b', 'look-around'],
    ['(?<!a)b', 'look-around'],
    ['(a)\\1', 'backreferences'],
    ['(?<n>a)\\k<n>', 'backreferences'],
    ['(?x)a b', "inline flag 'x'"],
    ['a\\', 'lone backslash'],
  ])('rejects %s as Rust would', (pattern, message) => {
    expect(() => compileChromaRegex(pattern)).toThrow(InvalidArgumentError);
    expect(() => compileChromaRegex(pattern)).toThrow(message);
  });

  it('does not mistake escaped or class-enclosed parentheses for look-around', () => {
    expect(compileChromaRegex('\\(?=').test('(=')).toBe(true);
    expect(compileChromaRegex('[(?=]+').test('?')).toBe(true);
  });
});
