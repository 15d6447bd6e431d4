/**
 * Checks on a request body's JSON text that JSON.parse does not make, each answered as Chroma's
 * serde_json parser answers (400 "Failed to parse the request body as JSON: ..."):
 *
 * - nesting deeper than {@link MAX_JSON_DEPTH} arrays/objects ("recursion limit exceeded"):
 *   serde_json's limit. Everything after parsing (schema checks, filters, serializers) may then
 *   recurse without risking the stack;
 * - `\u` escapes that leave a lone UTF-16 surrogate: JSON.parse accepts them, and every later
 *   UTF-8 encoding turns them into U+FFFD, so two different ids would collide. serde_json refuses
 *   them: a high surrogate not followed by an escape is "unexpected end of hex escape", and a high
 *   surrogate followed by anything but a low one, or a low one alone, is "lone leading surrogate
 *   in hex escape".
 *
 * One pass over the text, no recursion; string contents are skipped with indexOf except where
 * they hold a backslash.
 */

/** The deepest nesting serde_json (Chroma's parser) accepts: 127 arrays/objects. */
export const MAX_JSON_DEPTH = 127;

const BACKSLASH = 0x5c;
const LETTER_U = 0x75;
/** What matters outside strings: quotes and brackets (digits, commas and spaces are skipped natively). */
const STRUCTURE = /["[\]{}]/g;

/** What is wrong with a JSON text, in serde_json's words with its line and column; undefined when nothing is. */
export function jsonTextProblem(text: string): string | undefined {
  const structure = new RegExp(STRUCTURE.source, 'g');
  // The next backslash at or after a position, found once per backslash (not once per string).
  let slash = text.indexOf('\\');
  const slashFrom = (i: number) => {
    if (slash >= 0 && slash < i) slash = text.indexOf('\\', i);
    return slash;
  };
  let depth = 0;
  for (let m = structure.exec(text); m !== null; m = structure.exec(text)) {
    const c = m[0];
    if (c === '"') {
      const end = skipString(text, m.index + 1, slashFrom);
      if (typeof end === 'string') return end;
      structure.lastIndex = end;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_JSON_DEPTH) return at(text, m.index, 'recursion limit exceeded');
    } else {
      depth--;
    }
  }
  return undefined;
}

/** Index after the closing quote of the string whose contents start at `i`, or a problem. */
function skipString(text: string, i: number, slashFrom: (i: number) => number): number | string {
  for (;;) {
    const quote = text.indexOf('"', i);
    // Unterminated: JSON.parse reports it.
    if (quote < 0) return text.length;
    const slash = slashFrom(i);
    if (slash < 0 || quote < slash) return quote + 1;
    if (text.charCodeAt(slash + 1) !== LETTER_U) {
      i = slash + 2;
      continue;
    }
    const unit = hex4(text, slash + 2);
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      return at(text, slash + 5, 'lone leading surrogate in hex escape');
    }
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (text.charCodeAt(slash + 6) !== BACKSLASH || text.charCodeAt(slash + 7) !== LETTER_U) {
        return at(text, slash + 6, 'unexpected end of hex escape');
      }
      const low = hex4(text, slash + 8);
      if (!(low >= 0xdc00 && low <= 0xdfff)) {
        return at(text, slash + 11, 'lone leading surrogate in hex escape');
      }
      i = slash + 12;
      continue;
    }
    i = slash + 6;
  }
}

/** The code unit of four hex digits at `i`, or -1 (malformed escapes are JSON.parse's to report). */
function hex4(text: string, i: number): number {
  const digits = text.slice(i, i + 4);
  return /^[0-9a-fA-F]{4}$/.test(digits) ? parseInt(digits, 16) : -1;
}

/** `message at line L column C`, 1-based, for the character at `index`. */
function at(text: string, index: number, message: string): string {
  let line = 1;
  let lineStart = 0;
  for (let j = text.indexOf('\n'); j >= 0 && j < index; j = text.indexOf('\n', j + 1)) {
    line++;
    lineStart = j + 1;
  }
  return `${message} at line ${line} column ${index - lineStart + 1}`;
}
