import type {
  Ast,
  ClassSet,
  ClassSetItem,
  FlagItem,
  LiteralNode,
  UnicodeClassNode,
} from './ast.js';
import { flagState } from './parser.js';
import { RegexSyntaxError, type Span } from './syntax-error.js';
import {
  asciiClass,
  caseFold,
  caseFoldChar,
  caseFoldCharSet,
  codeSet,
  difference,
  intersect,
  namedProperty,
  negate,
  oneLetterProperty,
  perlClass,
  propertyValue,
  symmetricDifference,
  union,
  type CodeSet,
} from './unicode.js';

/**
 * Rust's translation from syntax tree to "high-level IR" (`regex_syntax::hir::translate`), reduced
 * to what decides whether a document matches: literals and classes become sets of code points
 * (case folding already applied), flags become concrete assertions, and captures disappear.
 *
 * It raises the translation errors Rust raises (unknown Unicode properties, patterns that could
 * match invalid UTF-8 when Unicode mode is off), and marks the byte classes `(?-u)` produces so the
 * caller can refuse them as Chroma does ("Byte pattern is not allowed").
 */

/** Zero-width assertions in Rust's terms (`regex_syntax::hir::Look`). */
export type Look =
  | 'Start'
  | 'End'
  | 'StartLF'
  | 'EndLF'
  | 'StartCRLF'
  | 'EndCRLF'
  | 'WordAscii'
  | 'WordAsciiNegate'
  | 'WordUnicode'
  | 'WordUnicodeNegate'
  | 'WordStartAscii'
  | 'WordEndAscii'
  | 'WordStartUnicode'
  | 'WordEndUnicode'
  | 'WordStartHalfAscii'
  | 'WordEndHalfAscii'
  | 'WordStartHalfUnicode'
  | 'WordEndHalfUnicode';

/** The matching-relevant IR. `bytes` marks a class Rust would build over bytes (Chroma refuses it). */
export type Hir =
  | { type: 'empty' }
  | { type: 'literal'; c: number }
  | { type: 'class'; set: CodeSet; bytes: boolean }
  | { type: 'look'; look: Look }
  | { type: 'repetition'; min: number; max: number | null; sub: Hir }
  | { type: 'capture'; sub: Hir }
  | { type: 'concat'; subs: Hir[] }
  | { type: 'alternation'; subs: Hir[] };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  u: boolean;
  R: boolean;
}

const ASCII_ONLY = codeSet([[0, 0x7f]]);

/**
 * Translates a parsed pattern; throws {@link RegexSyntaxError} with Rust's translation errors.
 * @param pattern - the pattern text (for error messages)
 * @param ast - its syntax tree
 */
export function translate(pattern: string, ast: Ast): Hir {
  return new Translator(pattern).hir(ast);
}

/** Whether the IR holds a byte class (after Rust's simplifications), which Chroma refuses. */
export function hasByteClass(hir: Hir): boolean {
  switch (hir.type) {
    case 'class':
      return hir.bytes;
    case 'repetition':
    case 'capture':
      return hasByteClass(hir.sub);
    case 'concat':
    case 'alternation':
      return hir.subs.some(hasByteClass);
    default:
      return false;
  }
}

class Translator {
  private flags: Flags = { i: false, m: false, s: false, u: true, R: false };

  constructor(private readonly pattern: string) {}

  private error(span: Span, kind: string): RegexSyntaxError {
    return new RegexSyntaxError(this.pattern, kind, span);
  }

  private apply(items: readonly FlagItem[]): void {
    const next = { ...this.flags };
    for (const flag of ['i', 'm', 's', 'u', 'R'] as const) {
      const state = flagState(items, flag);
      if (state !== undefined) next[flag] = state;
    }
    this.flags = next;
  }

  hir(ast: Ast): Hir {
    switch (ast.type) {
      case 'empty':
      case 'flags':
        // A flag group changes the flags for the rest of the enclosing group (every later
        // alternative too), as in Rust.
        if (ast.type === 'flags') this.apply(ast.items);
        return { type: 'empty' };
      case 'literal':
        return this.literal(ast);
      case 'dot':
        return this.dot(ast.span);
      case 'assertion':
        return { type: 'look', look: this.look(ast.kind) };
      case 'perl':
        return this.classHir(this.perl(ast.kind, ast.negated, ast.span), ast.span);
      case 'unicode':
        return this.classHir(this.unicodeClass(ast), ast.span);
      case 'bracketed':
        return this.classHir(this.bracketed(ast.negated, ast.set, ast.span), ast.span);
      case 'repetition': {
        const sub = this.hir(ast.sub);
        // `x{0}` matches only the empty string; Rust drops its operand.
        if (ast.min === 0 && ast.max === 0) return { type: 'empty' };
        return { type: 'repetition', min: ast.min, max: ast.max, sub };
      }
      case 'group': {
        const saved = this.flags;
        if (ast.flags) this.apply(ast.flags);
        const sub = this.hir(ast.sub);
        this.flags = saved;
        // A capture stays a node of its own (Rust's Capture): it keeps an alternation of it from
        // being collapsed into one class.
        return ast.capturing ? { type: 'capture', sub } : sub;
      }
      case 'concat':
        return concat(ast.subs.map((s) => this.hir(s)));
      case 'alternation':
        return alternation(ast.subs.map((s) => this.hir(s)));
    }
  }

  private literal(lit: LiteralNode): Hir {
    const c = lit.c;
    if (!this.flags.u && lit.kind === 'hex-byte' && c > 0x7f) {
      throw this.error(lit.span, 'pattern can match invalid UTF-8');
    }
    if (!this.flags.i) return { type: 'literal', c };
    if (!this.flags.u) {
      // ASCII case folding over bytes; non-ASCII characters are matched as written.
      if (c > 0x7f) return { type: 'literal', c };
      const lower = String.fromCharCode(c).toLowerCase().charCodeAt(0);
      const upper = String.fromCharCode(c).toUpperCase().charCodeAt(0);
      if (lower === upper) return { type: 'literal', c };
      return {
        type: 'class',
        set: codeSet([
          [lower, lower],
          [upper, upper],
        ]),
        bytes: true,
      };
    }
    if (caseFoldChar(c).length === 1) return { type: 'literal', c };
    return { type: 'class', set: caseFoldCharSet(c), bytes: false };
  }

  private dot(span: Span): Hir {
    if (!this.flags.u) throw this.error(span, 'pattern can match invalid UTF-8');
    const all = negate([]);
    let set: CodeSet = all;
    if (!this.flags.s)
      set = this.flags.R
        ? difference(
            all,
            codeSet([
              [10, 10],
              [13, 13],
            ]),
          )
        : difference(all, codeSet([[10, 10]]));
    return { type: 'class', set, bytes: false };
  }

  private look(kind: Extract<Ast, { type: 'assertion' }>['kind']): Look {
    const u = this.flags.u;
    switch (kind) {
      case 'StartLine':
        return this.flags.m ? (this.flags.R ? 'StartCRLF' : 'StartLF') : 'Start';
      case 'EndLine':
        return this.flags.m ? (this.flags.R ? 'EndCRLF' : 'EndLF') : 'End';
      case 'StartText':
        return 'Start';
      case 'EndText':
        return 'End';
      case 'WordBoundary':
        return u ? 'WordUnicode' : 'WordAscii';
      case 'NotWordBoundary':
        return u ? 'WordUnicodeNegate' : 'WordAsciiNegate';
      case 'WordBoundaryStart':
        return u ? 'WordStartUnicode' : 'WordStartAscii';
      case 'WordBoundaryEnd':
        return u ? 'WordEndUnicode' : 'WordEndAscii';
      case 'WordBoundaryStartHalf':
        return u ? 'WordStartHalfUnicode' : 'WordStartHalfAscii';
      case 'WordBoundaryEndHalf':
        return u ? 'WordEndHalfUnicode' : 'WordEndHalfAscii';
    }
  }

  /** A class node; in byte mode (`(?-u)`) classes are over bytes, so non-ASCII is an error. */
  private classHir(set: CodeSet, span: Span): Hir {
    if (!this.flags.u) {
      if (difference(set, ASCII_ONLY).length > 0) {
        throw this.error(span, 'pattern can match invalid UTF-8');
      }
      if (set.length === 2 && set[0] === set[1]) return { type: 'literal', c: set[0]! };
      return { type: 'class', set, bytes: true };
    }
    // An empty class is Rust's `Hir::fail()`, itself an (empty) byte class.
    if (set.length === 0) return { type: 'class', set, bytes: true };
    if (set.length === 2 && set[0] === set[1]) return { type: 'literal', c: set[0]! };
    return { type: 'class', set, bytes: false };
  }

  private fold(set: CodeSet): CodeSet {
    if (!this.flags.i) return set;
    if (this.flags.u) return caseFold(set);
    const extra: [number, number][] = [];
    for (let i = 0; i < set.length; i += 2) {
      for (let c = Math.max(set[i]!, 0x41); c <= Math.min(set[i + 1]!, 0x7a); c++) {
        if (c <= 0x5a) extra.push([c + 32, c + 32]);
        else if (c >= 0x61) extra.push([c - 32, c - 32]);
      }
    }
    return union(set, codeSet(extra));
  }

  private perl(kind: 'd' | 's' | 'w', negated: boolean, span: Span): CodeSet {
    if (this.flags.u) return negated ? negate(perlClass(kind)) : perlClass(kind);
    const set = asciiClass(kind === 'd' ? 'digit' : kind === 's' ? 'space' : 'word');
    return negated ? this.asciiOnly(byteNegate(set), span) : set;
  }

  /** In byte mode a class reaching past ASCII could match invalid UTF-8: Rust refuses it where
   * it is built (a negated `\D`, `[[:^alpha:]]` or `[^...]`), with that part's span. */
  private asciiOnly(set: CodeSet, span: Span): CodeSet {
    if (difference(set, ASCII_ONLY).length > 0) {
      throw this.error(span, 'pattern can match invalid UTF-8');
    }
    return set;
  }

  private unicodeClass(node: UnicodeClassNode): CodeSet {
    if (!this.flags.u) throw this.error(node.span, 'Unicode not allowed here');
    const kind = node.kind;
    const found =
      kind.type === 'one-letter'
        ? oneLetterProperty(kind.letter)
        : kind.type === 'named'
          ? namedProperty(kind.name)
          : propertyValue(kind.name, kind.value);
    if (found === 'not-found') throw this.error(node.span, 'Unicode property not found');
    if (found === 'value-not-found')
      throw this.error(node.span, 'Unicode property value not found');
    if (found === 'unsupported') {
      throw this.error(node.span, 'Unicode property not supported by HueDB');
    }
    // regex-syntax 0.8 reads `\p{name!=value}` as `\p{name=value}` (its translation looks at
    // `\p` versus `\P` only); Chroma inherits that, and so does HueDB.
    const negated = node.negated;
    // Rust folds a Unicode class before negating it.
    const folded = this.fold(found);
    return negated ? negate(folded) : folded;
  }

  private bracketed(negated: boolean, set: ClassSet, span: Span): CodeSet {
    const contents = this.fold(this.classSet(set));
    if (this.flags.u) return negated ? negate(contents) : contents;
    return this.asciiOnly(negated ? byteNegate(contents) : contents, span);
  }

  private classSet(set: ClassSet): CodeSet {
    if (set.type === 'item') return this.classItem(set.item);
    // Operands are folded before the operation, as in Rust.
    const lhs = this.fold(this.classSet(set.lhs));
    const rhs = this.fold(this.classSet(set.rhs));
    switch (set.op) {
      case '&&':
        return intersect(lhs, rhs);
      case '--':
        return difference(lhs, rhs);
      case '~~':
        return symmetricDifference(lhs, rhs);
    }
  }

  private classItem(item: ClassSetItem): CodeSet {
    switch (item.type) {
      case 'empty':
        return [];
      case 'literal':
        return this.fold(codeSet([[this.classChar(item), this.classChar(item)]]));
      case 'range': {
        const lo = this.classChar(item.start);
        const hi = this.classChar(item.end);
        return this.fold(codeSet([[lo, hi]]));
      }
      case 'ascii': {
        const set = this.fold(asciiClass(item.name));
        if (!item.negated) return set;
        return this.flags.u ? negate(set) : this.asciiOnly(byteNegate(set), item.span);
      }
      case 'unicode':
        return this.unicodeClass(item);
      case 'perl':
        return this.perl(item.kind, item.negated, item.span);
      case 'bracketed':
        return this.bracketed(item.negated, item.set, item.span);
      case 'union':
        return union(...item.items.map((x) => this.classItem(x)));
    }
  }

  /** A literal inside a class: in byte mode only ASCII (or a `\xNN` byte) may appear. */
  private classChar(lit: LiteralNode): number {
    if (!this.flags.u && lit.c > 0x7f && lit.kind !== 'hex-byte') {
      throw this.error(lit.span, 'Unicode not allowed here');
    }
    return lit.c;
  }
}

/** Negation over bytes: includes 0x80-0xFF, so the caller's UTF-8 check refuses it. */
function byteNegate(set: CodeSet): CodeSet {
  return intersect(negate(set), codeSet([[0, 0xff]]));
}

/** Rust's concatenation drops empty parts (flag groups among them) and flattens nested ones. */
function concat(subs: Hir[]): Hir {
  const flat = subs
    .flatMap((s) => (s.type === 'concat' ? s.subs : [s]))
    .filter((s) => s.type !== 'empty');
  if (flat.length === 0) return { type: 'empty' };
  if (flat.length === 1) return flat[0]!;
  return { type: 'concat', subs: flat };
}

/** Rust collapses an alternation of single characters, or of classes, into one class. */
function alternation(subs: Hir[]): Hir {
  const flat = subs.flatMap((s) => (s.type === 'alternation' ? s.subs : [s]));
  if (flat.every((s) => s.type === 'literal')) {
    const set = codeSet(flat.map((s) => [(s as { c: number }).c, (s as { c: number }).c]));
    return set.length === 2 && set[0] === set[1]
      ? { type: 'literal', c: set[0]! }
      : { type: 'class', set, bytes: false };
  }
  if (
    flat.every(
      (s) => s.type === 'class' && (!s.bytes || difference(s.set, ASCII_ONLY).length === 0),
    )
  ) {
    const set = union(...flat.map((s) => (s as { set: CodeSet }).set));
    return { type: 'class', set, bytes: set.length === 0 };
  }
  return { type: 'alternation', subs: flat };
}
