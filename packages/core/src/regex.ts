import { InvalidArgumentError } from './errors.js';
import { LazyDfa, Scan } from './regex/matcher.js';
import { parseRegex } from './regex/parser.js';
import { compile, SizeLimitError } from './regex/program.js';
import { RegexSyntaxError } from './regex/syntax-error.js';
import { hasByteClass, translate, type Hir } from './regex/translate.js';

/**
 * `$regex` / `$not_regex` with the syntax and semantics of Rust's `regex` crate, which Chroma
 * evaluates them with: Unicode-aware `\w` `\d` `\s` `\b`, inline flags anywhere (`(?i)c(?-i)at`,
 * `(?x)`, `(?s)`, `(?m)`, `(?R)`, `(?U)`), `\p{..}` with Rust's name matching, class set
 * operations (`[\w&&[^a-z]]`), and no look-around or backreferences. Matching runs on a lazy DFA
 * (./regex/matcher.ts) in time linear in the document, so no pattern can make a scan backtrack.
 *
 * A pattern is refused as Chroma refuses it: a syntax error is
 * `Regex syntax errror: <regex-syntax's message with carets>` (sic: Chroma's spelling), a byte
 * class (`(?-u)\w`, an empty class such as `[a&&b]`) is `Byte pattern is not allowed`, and a
 * pattern over the compiled size limit (Rust's default, 10 MiB; see ./regex/program.ts) is
 * `Unexpected regex error: Compiled regex exceeds size limit of 10485760 bytes.`. See
 * docs/decisions/0005-regex-engine.md and docs/compatibility.md.
 */

/**
 * Patterns longer than this (UTF-16 code units) are refused before parsing. Chroma has no such
 * limit, but compiling runs on the event loop and costs up to ~3 µs per pattern character, so
 * 16 Ki characters keep a compile under ~50 ms (each distinct pattern is compiled once; see the
 * cache below). docs/decisions/0005-regex-engine.md has the measurements.
 */
export const MAX_PATTERN_LENGTH = 16 * 1024;

/** A resumable match of one text (see {@link ChromaRegex.scan}). */
export interface ChromaRegexScan {
  /** Works until the answer is known (true) or `performance.now()` passes `deadline` (false). */
  run(deadline?: number): boolean;
  /** Whether the pattern matched (once `run` returned true). */
  readonly matched: boolean;
}

/** A compiled Chroma (Rust-dialect) regular expression. */
export interface ChromaRegex {
  /** The pattern as written. */
  readonly pattern: string;
  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean;
  /**
   * A resumable match of `text`: `run(deadline)` returns true once `matched` is known, or false
   * when the deadline passes first, so a caller scanning many documents can yield to the event
   * loop between slices.
   */
  scan(text: string): ChromaRegexScan;
}

const SIZE_MESSAGE = (e: SizeLimitError) => `Unexpected regex error: ${e.message}`;

// Compiled patterns, most recently used last: the gateway validates a filter and the query node
// evaluates it, often in the same process and for the same pattern again and again. Each entry's
// DFA cache may grow to 8 MiB (./regex/matcher.ts), so 32 entries bound the whole at 256 MiB.
const CACHE_ENTRIES = 32;
const CACHE_PATTERN_CHARS = 4 << 20;
const cache = new Map<string, ChromaRegex | InvalidArgumentError>();
let cachedChars = 0;

/**
 * Compiles a Chroma regular expression, or throws InvalidArgumentError with Chroma's message.
 * Compiled patterns (and refusals) are cached by pattern.
 * @param pattern - the pattern as the client sent it
 */
export function compileChromaRegex(pattern: string): ChromaRegex {
  let entry = cache.get(pattern);
  if (entry) {
    cache.delete(pattern);
    cache.set(pattern, entry);
  } else {
    entry = build(pattern);
    cache.set(pattern, entry);
    cachedChars += pattern.length;
    while (cache.size > CACHE_ENTRIES || cachedChars > CACHE_PATTERN_CHARS) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
      cachedChars -= oldest.length;
    }
  }
  if (entry instanceof InvalidArgumentError) throw new InvalidArgumentError(entry.message);
  return entry;
}

/** The text a pattern of literals only (no classes, assertions or repetitions) must contain. */
function literalText(hir: Hir): string | undefined {
  if (hir.type === 'literal') return String.fromCodePoint(hir.c);
  if (hir.type !== 'concat') return undefined;
  let text = '';
  for (const sub of hir.subs) {
    if (sub.type === 'literal') text += String.fromCodePoint(sub.c);
    else if (sub.type !== 'empty') return undefined;
  }
  return text;
}

function build(pattern: string): ChromaRegex | InvalidArgumentError {
  try {
    if (pattern.length > MAX_PATTERN_LENGTH) {
      return new InvalidArgumentError(
        `Unexpected regex error: the pattern is longer than ${MAX_PATTERN_LENGTH} characters.`,
      );
    }
    const hir = translate(pattern, parseRegex(pattern));
    if (hasByteClass(hir)) return new InvalidArgumentError('Byte pattern is not allowed');
    const program = compile(hir);
    const literal = literalText(hir);
    if (literal !== undefined) {
      // A plain string (the most common pattern): the engine's substring search is faster than
      // any DFA and costs nothing to build.
      return {
        pattern,
        test: (text) => text.includes(literal),
        scan: (text) => Scan.done(text.includes(literal)),
      };
    }
    const dfa = new LazyDfa(program);
    return {
      pattern,
      test: (text) => {
        const scan = new Scan(dfa, text);
        scan.run();
        return scan.matched;
      },
      scan: (text) => new Scan(dfa, text),
    };
  } catch (err) {
    if (err instanceof RegexSyntaxError) {
      return new InvalidArgumentError(`Regex syntax errror: ${err.describe()}`);
    }
    if (err instanceof SizeLimitError) return new InvalidArgumentError(SIZE_MESSAGE(err));
    throw err;
  }
}
