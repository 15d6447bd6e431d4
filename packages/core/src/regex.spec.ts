import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { compileChromaRegex, MAX_PATTERN_LENGTH } from './regex.js';

interface Recorded {
  docs: Record<string, string>;
  cases: {
    pattern: string;
    op?: string;
    ids?: string[];
    status?: number;
    message?: string;
  }[];
}

// Answers recorded from `chroma run` 1.5.9 (see the fixture's "source").
const recorded = JSON.parse(
  readFileSync(new URL('./regex/chroma-1.5.9.fixture.json', import.meta.url), 'utf8'),
) as Recorded;

// Deliberate differences (docs/compatibility.md, "Regular expressions").
const UNSUPPORTED_PROPERTY = ['\\p{Age=3.0}', '\\p{Word_Break=ALetter}', '\\p{gcb=Extend}'];
const OVER_SIZE_LIMIT = ['(?:a{1000}){1000}', '\\w{1000}', '\\pL{1000}'];

function matching(pattern: string, docs: Record<string, string>, negate = false): string[] {
  const re = compileChromaRegex(pattern);
  return Object.keys(docs).filter((id) => re.test(docs[id]!) !== negate);
}

function refusal(pattern: string): string {
  try {
    compileChromaRegex(pattern);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error(`${pattern} compiled`);
}

describe('compileChromaRegex: answers recorded from chroma run 1.5.9', () => {
  const cases = recorded.cases.filter(
    (c) => !UNSUPPORTED_PROPERTY.includes(c.pattern) && !OVER_SIZE_LIMIT.includes(c.pattern),
  );
  it.each(cases.map((c) => [JSON.stringify(c.pattern), c] as const))('%s', (_, c) => {
    if (c.ids) expect(matching(c.pattern, recorded.docs, c.op === '$not_regex')).toEqual(c.ids);
    else expect(refusal(c.pattern)).toBe(c.message);
  });

  it('refuses, with a 400 instead of a 500, what Chroma only fails on at execution', () => {
    for (const p of OVER_SIZE_LIMIT) {
      expect(refusal(p)).toBe(
        'Unexpected regex error: Compiled regex exceeds size limit of 10485760 bytes.',
      );
    }
  });

  it('names the Rust-only Unicode properties it lacks', () => {
    for (const p of UNSUPPORTED_PROPERTY) expect(refusal(p)).toContain('not supported by HueDB');
  });

  it('takes no property name from Object.prototype', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      for (const p of [`\\p{${name}}`, `\\p{gc=${name}}`, `\\p{sc=${name}}`]) {
        expect(refusal(p), p).toMatch(/Unicode property (value )?not found/);
      }
    }
  });
});

describe('compileChromaRegex: differential corpus from Rust regex 1.11.1', () => {
  // Random patterns (see the corpus' "source"), each with Rust's verdict on every document.
  const corpus = JSON.parse(
    readFileSync(new URL('./regex/rust-1.11.1.corpus.json', import.meta.url), 'utf8'),
  ) as { docs: string[]; cases: [string, string | { error: string }][] };

  it(`agrees on all ${corpus.cases.length} patterns`, () => {
    const differences: string[] = [];
    for (const [pattern, expected] of corpus.cases) {
      let got: string | { error: string };
      try {
        const re = compileChromaRegex(pattern);
        got = corpus.docs.map((d) => (re.test(d) ? '1' : '0')).join('');
      } catch (err) {
        got = { error: (err as Error).message };
      }
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        differences.push(`${JSON.stringify(pattern)}: ${JSON.stringify(got)}`);
      }
    }
    expect(differences).toEqual([]);
  });
});

describe('compileChromaRegex: Rust semantics', () => {
  const t = (pattern: string, text: string) => compileChromaRegex(pattern).test(text);

  it.each([
    // [pattern, text, matches]
    ['^\\w+$', 'straße', true],
    ['^\\w+$', '日本', true],
    ['^\\w+$', 'ab-c', false],
    ['^\\d+$', '١٢٣', true],
    ['\\s', '\u00a0', true],
    ['\\s', '\u200b', false],
    ['\\bclair', 'éclair', false],
    ['\\bclair', 'e clair', true],
    ['(?-u:\\b)clair', 'éclair', true],
    ['\\b{start}cat\\b{end}', 'a cat!', true],
    ['\\<cat\\>', 'bobcat', false],
    ['(?i)STRASSE', 'straße', false],
    ['(?i)ß', 'ẞ', true],
    ['(?i)k', '\u212a', true],
    ['(?i)σ', 'ς', true],
    ['(?i)c(?-i)at', 'CAT', false],
    ['(?i)c(?-i)at', 'Cat', true],
    ['(?i:c)at', 'Cat', true],
    ['a(?i)b|c', 'C', true],
    ['(?x) c a t # comment', 'cat', true],
    ['(?x)c\\ a', 'c a', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['ab$', 'ab\n', false],
    ['(?m)ab$', 'ab\n', true],
    ['(?m)x$', 'x\r\ny', false],
    ['(?mR)x$', 'x\r\ny', true],
    ['(?mR)^y', 'x\r\ny', true],
    ['\\Ab', 'ab', false],
    ['a\\z', 'a\n', false],
    ['^.{7}$', '🎉 party', true],
    ['\\p{Greek}', 'αβγ', true],
    ['\\p{greek}', 'αβγ', true],
    ['\\p{sc=Greek}', '\u0342', false],
    ['\\p{scx=Greek}', '\u0342', true],
    ['^\\p{Alphabetic}$', 'Ⓐ', true],
    ['[\\w&&[^a-z]]', 'abc', false],
    ['[\\w&&[^a-z]]', 'abC', true],
    ['^[a-z--c]+$', 'abc', false],
    ['[a-c~~b-d]', 'b', false],
    ['[a-c~~b-d]', 'd', true],
    ['^[[:alpha:]]+$', 'straße', false],
    ['(?P<year>[0-9]{4})-(?<m>\\d\\d)', '2024-05', true],
    ['\\x{1F389}', '🎉', true],
    ['\\u{65e5}\\u672c', '日本', true],
    ['', '', true],
    ['^$', '', true],
    ['(?m)^$', 'a\n', true],
    ['a**', '', true],
    ['x{2}{3}', 'xxxxxx', true],
    ['(a|ab)(c|bcd)(d*)', 'abcd', true],
  ])('%s on %j → %s', (pattern, text, expected) => {
    expect(t(pattern, text)).toBe(expected);
  });

  it('formats errors as regex-syntax does, including multi-line patterns', () => {
    expect(refusal('a{2,1}')).toBe(
      'Regex syntax errror: regex parse error:\n    a{2,1}\n     ^^^^^\nerror: invalid repetition count range, the start must be <= the end',
    );
    expect(refusal('(?P<n>c)(?P<n>a)')).toBe(
      'Regex syntax errror: regex parse error:\n    (?P<n>c)(?P<n>a)\n        ^       ^\nerror: duplicate capture group name',
    );
    expect(refusal('a\n(')).toBe(
      `Regex syntax errror: regex parse error:\n${'~'.repeat(79)}\n1: a\n2: (\n   ^\n${'~'.repeat(79)}\nerror: unclosed group`,
    );
  });

  it('refuses nesting deeper than Rust’s limit of 250, and long patterns', () => {
    expect(refusal('('.repeat(251) + ')'.repeat(251))).toContain(
      'exceed the maximum number of nested parentheses/brackets (250)',
    );
    expect(compileChromaRegex('('.repeat(250) + 'a' + ')'.repeat(250)).test('a')).toBe(true);
    expect(refusal('('.repeat(10_000))).toContain('unclosed group');
    expect(refusal('a'.repeat(MAX_PATTERN_LENGTH + 1))).toContain('longer than');
  });

  it('matches in linear time: ^(a+)+$ on 10k characters takes well under a second', () => {
    const re = compileChromaRegex('^(a+)+$');
    const start = performance.now();
    expect(re.test('a'.repeat(10_000) + '!')).toBe(false);
    expect(re.test('a'.repeat(10_000))).toBe(true);
    expect(compileChromaRegex('(x+x+)+y').test('x'.repeat(10_000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('scans in slices: run(deadline) stops early and resumes to the same answer', () => {
    const re = compileChromaRegex('(?:\\w+\\s){3}end$');
    const text = 'word '.repeat(20_000) + 'end';
    const scan = re.scan(text);
    let slices = 1;
    // A deadline already past: each call does one step of 256 characters.
    while (!scan.run(0)) slices++;
    expect(slices).toBeGreaterThan(300);
    expect(scan.matched).toBe(true);
    expect(re.test(text)).toBe(true);
  });
});
