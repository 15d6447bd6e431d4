import { InvalidArgumentError } from './errors.js';

/**
 * Chroma evaluates `$regex` with Rust's `regex` crate; HueDB uses JavaScript's RegExp (with the
 * `u` flag). This module bridges the common differences and rejects what Rust would reject:
 *
 * - A leading inline-flag group `(?i)`, `(?m)`, `(?s)` (or a combination, e.g. `(?is)`) becomes the
 *   JS flags; `(?u)` is accepted and ignored (JS is always Unicode here). Other flags (`x`, `U`,
 *   `R`) and inline flags anywhere else are not supported.
 * - `(?P<name>...)` becomes `(?<name>...)`; `\A` and `\z` keep their "start/end of text" meaning.
 * - Look-around and backreferences are rejected, as Rust rejects them.
 * - Escaped ASCII punctuation that JS's Unicode mode refuses (e.g. `\#`, `\-` outside a class) is
 *   passed as the literal character, as Rust reads it.
 *
 * Differences that remain: JS's `\d`, `\w`, `\b` are ASCII-only (Rust's are Unicode-aware);
 * `\p{Greek}` must be written `\p{Script=Greek}`; Rust's class set operations (`&&`, `--`, `~~`) and
 * nested classes are not understood. JS regexes backtrack: a pathological pattern can take
 * exponential time (Rust's are linear), so callers should keep patterns and documents bounded.
 */

const SUPPORTED_FLAGS: Readonly<Record<string, string>> = { i: 'i', m: 'm', s: 's', u: '' };

// Characters that may follow a backslash in a JS `u`-mode pattern outside a character class.
const JS_SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/'.split(''));
// Letters and digits whose escapes mean something (classes, anchors, control characters ...).
const ASCII_ALNUM = /^[A-Za-z0-9]$/;

function fail(pattern: string, reason: string): never {
  throw new InvalidArgumentError(`Invalid regex pattern ${JSON.stringify(pattern)}: ${reason}`);
}

/**
 * Compiles a Chroma (Rust-dialect) regular expression into a JS RegExp, or throws
 * InvalidArgumentError with the reason.
 * @param pattern - the pattern as the client sent it
 */
export function compileChromaRegex(pattern: string): RegExp {
  let flags = 'u';
  let rest = pattern;
  const leading = /^\(\?([A-Za-z]+)\)/.exec(pattern);
  if (leading) {
    for (const f of leading[1]!) {
      const js = SUPPORTED_FLAGS[f];
      if (js === undefined) fail(pattern, `the inline flag '${f}' is not supported`);
      if (!flags.includes(js)) flags += js;
    }
    rest = pattern.slice(leading[0].length);
  }
  const source = translate(pattern, rest);
  try {
    return new RegExp(source, flags);
  } catch (err) {
    return fail(pattern, (err as Error).message);
  }
}

function translate(pattern: string, rest: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '\\') {
      const next = rest[i + 1];
      if (next === undefined) fail(pattern, 'the pattern ends with a lone backslash');
      i++;
      if (/[1-9]/.test(next) || (next === 'k' && rest[i + 1] === '<')) {
        fail(pattern, 'backreferences are not supported');
      }
      if (!inClass && next === 'A') {
        out += '(?<![\\s\\S])';
      } else if (!inClass && next === 'z') {
        out += '(?![\\s\\S])';
      } else if (
        ASCII_ALNUM.test(next) ||
        JS_SYNTAX_CHARS.has(next) ||
        (inClass && next === '-') ||
        next.charCodeAt(0) > 0x7f
      ) {
        out += '\\' + next;
      } else {
        // Escaped ASCII punctuation or whitespace that means itself in Rust.
        out += next;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    if (c === '(' && rest[i + 1] === '?') {
      const head = rest.slice(i, i + 4);
      if (head.startsWith('(?=') || head.startsWith('(?!') || head === '(?<=' || head === '(?<!') {
        fail(pattern, 'look-around, including look-ahead and look-behind, is not supported');
      }
      if (head.startsWith('(?P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
    }
    out += c;
  }
  return out;
}
