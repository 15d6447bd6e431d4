import { createRequire } from 'node:module';
import propertyAliases from 'unicode-property-aliases-ecmascript';
import valueAliases from 'unicode-property-value-aliases-ecmascript';

/**
 * Unicode data for the regex engine: sets of code points as sorted ranges, the properties Rust's
 * `\p{..}` names (resolved with Rust's loose matching), Rust's Unicode `\w` `\d` `\s`, and simple
 * case folding (what Rust's `(?i)` uses: `(?i)ß` matches `ẞ`, `(?i)STRASSE` does not match
 * `straße`).
 *
 * Property data comes from `regenerate-unicode-properties` (the Unicode tables Babel compiles
 * regexes with; the Unicode version is in its `unicode-version.js`), loaded one property at a time
 * on first use. Case-folding orbits are derived once, on the first case-insensitive pattern, from
 * the JavaScript engine's own simple case folding (`/x/iu`, which the ECMAScript specification
 * defines as CaseFolding.txt's simple and common mappings — the same table Rust uses).
 */

/** A set of code points: sorted, disjoint, non-adjacent inclusive ranges `[lo0, hi0, lo1, hi1, ...]`. */
export type CodeSet = readonly number[];

/** The largest code point. */
export const MAX_CODE_POINT = 0x10ffff;

const require = createRequire(import.meta.url);

/** Sorts and merges ranges given as `[lo, hi]` pairs (inclusive), dropping surrogates. */
export function codeSet(pairs: readonly (readonly [number, number])[]): CodeSet {
  const sorted = pairs.flatMap(([lo, hi]) => withoutSurrogates(lo, hi)).sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of sorted) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function withoutSurrogates(lo: number, hi: number): [number, number][] {
  if (hi < 0xd800 || lo > 0xdfff) return [[lo, hi]];
  const parts: [number, number][] = [];
  if (lo < 0xd800) parts.push([lo, 0xd7ff]);
  if (hi > 0xdfff) parts.push([0xe000, hi]);
  return parts;
}

function pairsOf(set: CodeSet): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < set.length; i += 2) out.push([set[i]!, set[i + 1]!]);
  return out;
}

/** Set union (a linear merge). */
export function union(...sets: CodeSet[]): CodeSet {
  if (sets.length === 0) return [];
  let acc = sets[0]!;
  for (let i = 1; i < sets.length; i++) acc = union2(acc, sets[i]!);
  return acc;
}

function union2(x: CodeSet, y: CodeSet): CodeSet {
  if (x.length === 0) return y;
  if (y.length === 0) return x;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    let lo: number;
    let hi: number;
    if (j >= y.length || (i < x.length && x[i]! <= y[j]!)) {
      lo = x[i]!;
      hi = x[i + 1]!;
      i += 2;
    } else {
      lo = y[j]!;
      hi = y[j + 1]!;
      j += 2;
    }
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) {
      if (hi > out[last]!) out[last] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

/** The code points (Unicode scalar values) not in the set. */
export function negate(set: CodeSet): CodeSet {
  const out: [number, number][] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push([next, set[i]! - 1]);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return codeSet(out);
}

/** Set intersection (a linear merge). */
export function intersect(x: CodeSet, y: CodeSet): CodeSet {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const lo = Math.max(x[i]!, y[j]!);
    const hi = Math.min(x[i + 1]!, y[j + 1]!);
    if (lo <= hi) out.push(lo, hi);
    if (x[i + 1]! < y[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

/** The code points of `a` not in `b`. */
export function difference(a: CodeSet, b: CodeSet): CodeSet {
  return intersect(a, negate(b));
}

/** The code points in exactly one of the sets. */
export function symmetricDifference(a: CodeSet, b: CodeSet): CodeSet {
  return union(difference(a, b), difference(b, a));
}

/** Whether a code point is in the set (binary search). */
export function contains(set: CodeSet, cp: number): boolean {
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < set[2 * mid]!) hi = mid - 1;
    else if (cp > set[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

// --- properties ---------------------------------------------------------------------------------

const loaded = new Map<string, CodeSet>();

/** A property set from the data package, e.g. `('Script', 'Greek')` or `('Binary_Property', 'Alphabetic')`. */
function load(kind: string, name: string): CodeSet {
  const key = `${kind}/${name}`;
  let set = loaded.get(key);
  if (!set) {
    const data = (
      require(`regenerate-unicode-properties/${key}.js`) as { characters: { data: number[] } }
    ).characters.data;
    // regenerate stores half-open ranges [start, end).
    const pairs: [number, number][] = [];
    for (let i = 0; i < data.length; i += 2) pairs.push([data[i]!, data[i + 1]! - 1]);
    set = codeSet(pairs);
    loaded.set(key, set);
  }
  return set;
}

/** UAX #44 loose matching as Rust applies it: ASCII only, no case, spaces, `_`, `-` or leading `is`. */
export function looseName(name: string): string {
  const startsWithIs = /^is/i.test(name);
  // eslint-disable-next-line no-control-regex
  let norm = (startsWithIs ? name.slice(2) : name).replace(/[ _-]|[^\x00-\x7f]/g, '').toLowerCase();
  // "isc" is the General_Category Other, not "c" with an "is" prefix.
  if (startsWithIs && norm === 'c') norm = 'isc';
  return norm;
}

function looseIndex(entries: Iterable<[string, string]>): Map<string, string> {
  const index = new Map<string, string>();
  for (const [alias, canonical] of entries) {
    index.set(looseName(alias), canonical);
    index.set(looseName(canonical), canonical);
  }
  return index;
}

let indexes:
  | {
      properties: Map<string, string>;
      categories: Map<string, string>;
      scripts: Map<string, string>;
    }
  | undefined;

function names() {
  indexes ??= {
    properties: looseIndex(propertyAliases),
    categories: looseIndex(valueAliases.get('General_Category')!),
    scripts: looseIndex(valueAliases.get('Script')!),
  };
  return indexes;
}

/** A Map, not an object literal: `\p{constructor}` must not find Object's own properties. */
const PSEUDO_CATEGORIES = new Map([
  ['any', 'Any'],
  ['assigned', 'Assigned'],
  ['ascii', 'ASCII'],
]);

function category(norm: string): CodeSet | PropertyFailure | undefined {
  const pseudo = PSEUDO_CATEGORIES.get(norm);
  if (pseudo) return load('Binary_Property', pseudo);
  const canonical = names().categories.get(norm);
  // Rust has no table for surrogates (its sets hold scalar values only).
  if (canonical === 'Surrogate') return 'value-not-found';
  return canonical ? load('General_Category', canonical) : undefined;
}

function script(norm: string, extensions: boolean): CodeSet | undefined {
  const canonical = names().scripts.get(norm);
  return canonical ? load(extensions ? 'Script_Extensions' : 'Script', canonical) : undefined;
}

/** Why a `\p{..}` could not be resolved: Rust's two errors, and properties Rust knows that HueDB lacks. */
export type PropertyFailure = 'not-found' | 'value-not-found' | 'unsupported';

/** Properties Rust's regex supports that have no data here (their values are not in JS's tables). */
const UNSUPPORTED_PROPERTIES = new Set(
  ['age', 'graphemeclusterbreak', 'gcb', 'wordbreak', 'wb', 'sentencebreak', 'sb'].map(looseName),
);

/**
 * Resolves `\p{name}` as Rust does: a binary property (except the ambiguous `cf`, `sc`, `lc`),
 * then a general category, then a script (Script, not Script_Extensions).
 * @param name - the name as written
 */
export function namedProperty(name: string): CodeSet | PropertyFailure {
  const norm = looseName(name);
  if (norm !== 'cf' && norm !== 'sc' && norm !== 'lc') {
    const canonical = names().properties.get(norm);
    if (canonical !== undefined) {
      if (['General_Category', 'Script', 'Script_Extensions'].includes(canonical))
        return 'not-found';
      return load('Binary_Property', canonical);
    }
    if (UNSUPPORTED_PROPERTIES.has(norm)) return 'not-found';
  }
  return category(norm) ?? script(norm, false) ?? 'not-found';
}

/**
 * Resolves `\p{name=value}` (also `name:value`): General_Category, Script and Script_Extensions.
 * @param name - the property as written
 * @param value - the value as written
 */
export function propertyValue(name: string, value: string): CodeSet | PropertyFailure {
  const norm = looseName(name);
  const valueNorm = looseName(value);
  const canonical = names().properties.get(norm);
  if (canonical === 'General_Category') return category(valueNorm) ?? 'value-not-found';
  if (canonical === 'Script') return script(valueNorm, false) ?? 'value-not-found';
  if (canonical === 'Script_Extensions') return script(valueNorm, true) ?? 'value-not-found';
  if (UNSUPPORTED_PROPERTIES.has(norm)) return 'unsupported';
  return 'not-found';
}

/** The one-letter general categories `\pL`, `\pN`, ... */
export function oneLetterProperty(letter: string): CodeSet | PropertyFailure {
  return namedProperty(letter);
}

// --- Perl and ASCII classes ---------------------------------------------------------------------

let perl: { d: CodeSet; s: CodeSet; w: CodeSet } | undefined;

/** Rust's Unicode `\d` (Decimal_Number), `\s` (White_Space) and `\w` (UTS #18 word characters). */
export function perlClass(kind: 'd' | 's' | 'w'): CodeSet {
  perl ??= {
    d: load('General_Category', 'Decimal_Number'),
    s: load('Binary_Property', 'White_Space'),
    w: union(
      load('Binary_Property', 'Alphabetic'),
      load('General_Category', 'Mark'),
      load('General_Category', 'Decimal_Number'),
      load('General_Category', 'Connector_Punctuation'),
      load('Binary_Property', 'Join_Control'),
    ),
  };
  return perl[kind];
}

/** Whether a code point is a Unicode word character (Rust's `\w`, which `\b` is built on). */
export function isWordChar(cp: number): boolean {
  if (cp < 0x80) return isAsciiWordChar(cp);
  return contains(perlClass('w'), cp);
}

/** Whether a code point is `[0-9A-Za-z_]`. */
export function isAsciiWordChar(cp: number): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    (cp >= 0x61 && cp <= 0x7a) ||
    cp === 0x5f
  );
}

const ASCII_CLASSES: Record<string, [number, number][]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [9, 9],
    [0x20, 0x20],
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [9, 0xd],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

/** A POSIX class `[[:name:]]` (ASCII only, as in Rust). */
export function asciiClass(name: string): CodeSet {
  return codeSet(ASCII_CLASSES[name]!);
}

// --- characters the parser asks about -----------------------------------------------------------

const WHITE_SPACE = /^[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

/** Rust's `char::is_whitespace` (the White_Space property). */
export function isRustWhitespace(c: string): boolean {
  return WHITE_SPACE.test(c);
}

/** Rust's `char::is_alphabetic`. */
export function isRustAlphabetic(c: string): boolean {
  return /^\p{Alphabetic}$/u.test(c);
}

/** Rust's `char::is_alphanumeric`. */
export function isRustAlphanumeric(c: string): boolean {
  return /^[\p{Alphabetic}\p{N}]$/u.test(c);
}

// --- simple case folding ------------------------------------------------------------------------

let orbits: Map<number, readonly number[]> | undefined;

function foldOrbits(): Map<number, readonly number[]> {
  if (orbits) return orbits;
  // Every member of a non-trivial orbit changes under some case mapping; members share a full
  // upper- or lowercase form with another member (ß and ẞ lowercase alike, ΐ and ΐ uppercase
  // alike). Candidates are grouped that way, then confirmed with the engine's simple folding.
  const candidates = union(
    load('Binary_Property', 'Changes_When_Casemapped'),
    load('Binary_Property', 'Changes_When_Casefolded'),
  );
  const groups = new Map<string, number[]>();
  const add = (key: string, cp: number) => {
    const list = groups.get(key);
    if (list) list.push(cp);
    else groups.set(key, [cp]);
  };
  for (const [lo, hi] of pairsOf(candidates)) {
    for (let cp = lo; cp <= hi; cp++) {
      const s = String.fromCodePoint(cp);
      add(`U${s.toUpperCase()}`, cp);
      add(`L${s.toLowerCase()}`, cp);
    }
  }
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const members of groups.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i]!;
        const b = members[j]!;
        if (find(a) === find(b)) continue;
        if (new RegExp(`^\\u{${a.toString(16)}}$`, 'iu').test(String.fromCodePoint(b))) {
          parent.set(find(b), find(a));
        }
      }
    }
  }
  const byRoot = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const root = find(cp);
    const list = byRoot.get(root);
    if (list) list.push(cp);
    else byRoot.set(root, [cp]);
  }
  orbits = new Map();
  for (const members of byRoot.values()) {
    if (members.length < 2) continue;
    for (const cp of members) orbits.set(cp, members);
  }
  return orbits;
}

/** The set plus every code point that simple case folding makes equal to one of its members. */
export function caseFold(set: CodeSet): CodeSet {
  const table = foldOrbits();
  const extra: [number, number][] = [];
  let size = 0;
  for (let i = 0; i < set.length; i += 2) size += set[i + 1]! - set[i]! + 1;
  if (size <= table.size) {
    // Small sets (a literal, a short range) look their members up.
    for (let i = 0; i < set.length; i += 2) {
      for (let cp = set[i]!; cp <= set[i + 1]!; cp++) {
        for (const m of table.get(cp) ?? []) extra.push([m, m]);
      }
    }
  } else {
    for (const [cp, members] of table) {
      if (contains(set, cp)) for (const m of members) extra.push([m, m]);
    }
  }
  return extra.length === 0 ? set : union(set, codeSet(extra));
}

/** The simple case-folding orbit of one code point (itself when it has none). */
export function caseFoldChar(cp: number): readonly number[] {
  return foldOrbits().get(cp) ?? [cp];
}

const foldedChars = new Map<number, CodeSet>();

/**
 * The orbit of a code point as a set, one shared object per code point: a long case-insensitive
 * pattern then references a handful of sets, not one per character.
 */
export function caseFoldCharSet(cp: number): CodeSet {
  let set = foldedChars.get(cp);
  if (!set) {
    set = codeSet(caseFoldChar(cp).map((x) => [x, x] as [number, number]));
    if (foldedChars.size < 65536) foldedChars.set(cp, set);
  }
  return set;
}
