import type {
  AssertionKind,
  Ast,
  BracketedNode,
  ClassSet,
  ClassSetItem,
  FlagItem,
  FlagName,
  LiteralNode,
  PerlClassNode,
  UnicodeClassNode,
} from './ast.js';
import { RegexSyntaxError, type Position, type Span } from './syntax-error.js';
import { isRustAlphabetic, isRustAlphanumeric, isRustWhitespace } from './unicode.js';

/**
 * A parser of Rust's regex syntax (the `regex-syntax` 0.8 crate Chroma validates patterns with),
 * written from its documented grammar and observed behaviour. It is iterative (explicit stacks, as
 * Rust's is), so a pattern of a million `(` cannot overflow the call stack, and it reports the
 * first error Rust would report, with the same message and span. Octal escapes are off and the
 * nesting limit is Rust's default (250), as in `regex_syntax::parse`.
 */

/** Rust's default limit on nested groups, repetitions, alternations and classes. */
export const NEST_LIMIT = 250;

const META = new Set('\\.+*?()|[]{}^$#&-~');
const FLAGS: Record<string, FlagName> = { i: 'i', m: 'm', s: 's', U: 'U', u: 'u', R: 'R', x: 'x' };
const ASCII_CLASS_NAMES = new Set(
  'alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit'.split(' '),
);

type Primitive =
  | LiteralNode
  | { type: 'assertion'; span: Span; kind: AssertionKind }
  | { type: 'dot'; span: Span }
  | PerlClassNode
  | UnicodeClassNode;

interface Concat {
  span: Span;
  asts: Ast[];
}

type GroupState =
  | {
      type: 'group';
      concat: Concat;
      span: Span;
      capturing: boolean;
      flags: FlagItem[] | null;
      ignoreWhitespace: boolean;
    }
  | { type: 'alternation'; span: Span; asts: Ast[] };

interface Union {
  span: Span;
  items: ClassSetItem[];
}

type ClassState =
  | { type: 'open'; union: Union; set: BracketedNode }
  | { type: 'op'; op: '&&' | '--' | '~~'; lhs: ClassSet };

function spanOf(start: Position, end: Position): Span {
  return { start, end };
}

function concatToAst(c: Concat): Ast {
  if (c.asts.length === 0) return { type: 'empty', span: c.span };
  if (c.asts.length === 1) return c.asts[0]!;
  return { type: 'concat', span: c.span, subs: c.asts };
}

function unionToItem(u: Union): ClassSetItem {
  if (u.items.length === 0) return { type: 'empty', span: u.span };
  if (u.items.length === 1) return u.items[0]!;
  return { type: 'union', span: u.span, items: u.items };
}

function classSetSpan(set: ClassSet): Span {
  return set.type === 'op' ? set.span : set.item.span;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/**
 * Parses a pattern into a syntax tree; throws {@link RegexSyntaxError} as Rust would.
 * @param pattern - the pattern
 */
export function parseRegex(pattern: string): Ast {
  return new Parser(pattern).parse();
}

class Parser {
  private pos: Position = { offset: 0, line: 1, column: 1 };
  private ignoreWhitespace = false;
  private readonly groups: GroupState[] = [];
  private readonly classes: ClassState[] = [];
  private readonly captureNames = new Map<string, Span>();

  constructor(private readonly pattern: string) {}

  parse(): Ast {
    let concat: Concat = { span: this.span(), asts: [] };
    for (;;) {
      this.bumpSpace();
      if (this.eof()) break;
      switch (this.char()) {
        case '(':
          concat = this.pushGroup(concat);
          break;
        case ')':
          concat = this.popGroup(concat);
          break;
        case '|':
          concat = this.pushAlternate(concat);
          break;
        case '[':
          concat.asts.push(this.parseSetClass());
          break;
        case '?':
        case '*':
        case '+':
          this.parseUncountedRepetition(concat);
          break;
        case '{':
          this.parseCountedRepetition(concat);
          break;
        default:
          concat.asts.push(this.parsePrimitive());
      }
    }
    const ast = this.popGroupEnd(concat);
    checkNesting(this, ast);
    return ast;
  }

  // --- cursor -------------------------------------------------------------------------------

  error(span: Span, kind: string, aux?: Span): RegexSyntaxError {
    return new RegexSyntaxError(this.pattern, kind, span, aux);
  }

  private eof(): boolean {
    return this.pos.offset >= this.pattern.length;
  }

  private charAt(offset: number): string {
    const unit = this.pattern.charCodeAt(offset);
    if (unit < 0xd800 || unit > 0xdbff) return this.pattern[offset]!;
    return String.fromCodePoint(this.pattern.codePointAt(offset)!);
  }

  private char(): string {
    return this.charAt(this.pos.offset);
  }

  private snapshot(): Position {
    return { ...this.pos };
  }

  /** Advances one character; false when that reaches the end. */
  private bump(): boolean {
    if (this.eof()) return false;
    const c = this.char();
    this.pos =
      c === '\n'
        ? { offset: this.pos.offset + 1, line: this.pos.line + 1, column: 1 }
        : { offset: this.pos.offset + c.length, line: this.pos.line, column: this.pos.column + 1 };
    return !this.eof();
  }

  private bumpIf(prefix: string): boolean {
    if (!this.pattern.startsWith(prefix, this.pos.offset)) return false;
    for (let i = 0; i < [...prefix].length; i++) this.bump();
    return true;
  }

  private bumpAndBumpSpace(): boolean {
    if (!this.bump()) return false;
    this.bumpSpace();
    return !this.eof();
  }

  /** In `x` mode, skips whitespace and `#` comments. */
  private bumpSpace(): void {
    if (!this.ignoreWhitespace) return;
    while (!this.eof()) {
      const c = this.char();
      if (isRustWhitespace(c)) {
        this.bump();
      } else if (c === '#') {
        this.bump();
        while (!this.eof()) {
          const d = this.char();
          this.bump();
          if (d === '\n') break;
        }
      } else {
        break;
      }
    }
  }

  private peek(): string | undefined {
    if (this.eof()) return undefined;
    const next = this.pos.offset + this.char().length;
    return next < this.pattern.length ? this.charAt(next) : undefined;
  }

  private peekSpace(): string | undefined {
    if (!this.ignoreWhitespace) return this.peek();
    if (this.eof()) return undefined;
    let i = this.pos.offset + this.char().length;
    let inComment = false;
    while (i < this.pattern.length) {
      const c = this.charAt(i);
      if (isRustWhitespace(c)) {
        // skip
      } else if (!inComment && c === '#') {
        inComment = true;
      } else if (inComment && c === '\n') {
        inComment = false;
      } else if (!inComment) {
        return c;
      }
      i += c.length;
    }
    return undefined;
  }

  private span(): Span {
    return spanOf(this.snapshot(), this.snapshot());
  }

  private spanChar(): Span {
    const c = this.char();
    const end =
      c === '\n'
        ? { offset: this.pos.offset + 1, line: this.pos.line + 1, column: 1 }
        : { offset: this.pos.offset + c.length, line: this.pos.line, column: this.pos.column + 1 };
    return spanOf(this.snapshot(), end);
  }

  // --- groups and alternation ---------------------------------------------------------------

  private pushAlternate(concat: Concat): Concat {
    concat.span = spanOf(concat.span.start, this.snapshot());
    const top = this.groups[this.groups.length - 1];
    if (top?.type === 'alternation') top.asts.push(concatToAst(concat));
    else
      this.groups.push({
        type: 'alternation',
        span: spanOf(concat.span.start, this.snapshot()),
        asts: [concatToAst(concat)],
      });
    this.bump();
    return { span: this.span(), asts: [] };
  }

  private pushGroup(concat: Concat): Concat {
    const openSpan = this.spanChar();
    this.bump();
    this.bumpSpace();
    if (this.bumpIf('?=') || this.bumpIf('?!') || this.bumpIf('?<=') || this.bumpIf('?<!')) {
      throw this.error(
        spanOf(openSpan.start, this.snapshot()),
        'look-around, including look-ahead and look-behind, is not supported',
      );
    }
    const innerSpan = this.span();
    let capturing = true;
    let flags: FlagItem[] | null = null;
    if (this.bumpIf('?P<') || this.bumpIf('?<')) {
      this.parseCaptureName();
    } else if (this.bumpIf('?')) {
      if (this.eof()) throw this.error(openSpan, 'unclosed group');
      const items = this.parseFlags();
      const end = this.char();
      this.bump();
      if (end === ')') {
        // `(?)` is read as a repetition operator without an operand.
        if (items.length === 0)
          throw this.error(innerSpan, 'repetition operator missing expression');
        const ignore = flagState(items, 'x');
        if (ignore !== undefined) this.ignoreWhitespace = ignore;
        concat.asts.push({
          type: 'flags',
          span: spanOf(openSpan.start, this.snapshot()),
          items,
        });
        return concat;
      }
      capturing = false;
      flags = items;
    }
    const old = this.ignoreWhitespace;
    this.groups.push({
      type: 'group',
      concat,
      span: openSpan,
      capturing,
      flags,
      ignoreWhitespace: old,
    });
    this.ignoreWhitespace = (flags && flagState(flags, 'x')) ?? old;
    return { span: this.span(), asts: [] };
  }

  private popGroup(groupConcat: Concat): Concat {
    let alternation: Extract<GroupState, { type: 'alternation' }> | undefined;
    let top = this.groups.pop();
    if (top?.type === 'alternation') {
      alternation = top;
      top = this.groups.pop();
    }
    if (top?.type !== 'group') throw this.error(this.spanChar(), 'unopened group');
    this.ignoreWhitespace = top.ignoreWhitespace;
    groupConcat.span = spanOf(groupConcat.span.start, this.snapshot());
    this.bump();
    const span = spanOf(top.span.start, this.snapshot());
    let sub: Ast;
    if (alternation) {
      alternation.asts.push(concatToAst(groupConcat));
      sub = {
        type: 'alternation',
        span: spanOf(alternation.span.start, groupConcat.span.end),
        subs: alternation.asts,
      };
    } else {
      sub = concatToAst(groupConcat);
    }
    top.concat.asts.push({ type: 'group', span, capturing: top.capturing, flags: top.flags, sub });
    return top.concat;
  }

  private popGroupEnd(concat: Concat): Ast {
    concat.span = spanOf(concat.span.start, this.snapshot());
    const top = this.groups.pop();
    let ast: Ast;
    if (!top) ast = concatToAst(concat);
    else if (top.type === 'alternation') {
      top.asts.push(concatToAst(concat));
      ast = {
        type: 'alternation',
        span: spanOf(top.span.start, this.snapshot()),
        subs: top.asts,
      };
    } else throw this.error(top.span, 'unclosed group');
    const next = this.groups.pop();
    if (next?.type === 'group') throw this.error(next.span, 'unclosed group');
    return ast;
  }

  private parseCaptureName(): void {
    if (this.eof()) throw this.error(this.span(), 'unclosed capture group name');
    const start = this.snapshot();
    for (;;) {
      if (this.char() === '>') break;
      const first = this.pos.offset === start.offset;
      const c = this.char();
      const ok = first
        ? c === '_' || isRustAlphabetic(c)
        : c === '_' || c === '.' || c === '[' || c === ']' || isRustAlphanumeric(c);
      if (!ok) throw this.error(this.spanChar(), 'invalid capture group character');
      if (!this.bump()) break;
    }
    const end = this.snapshot();
    if (this.eof()) throw this.error(this.span(), 'unclosed capture group name');
    this.bump();
    const name = this.pattern.slice(start.offset, end.offset);
    if (name === '') throw this.error(spanOf(start, start), 'empty capture group name');
    const span = spanOf(start, end);
    const original = this.captureNames.get(name);
    if (original) throw this.error(span, 'duplicate capture group name', original);
    this.captureNames.set(name, span);
  }

  private parseFlags(): FlagItem[] {
    const items: FlagItem[] = [];
    let danglingNegation: Span | undefined;
    while (this.char() !== ':' && this.char() !== ')') {
      const span = this.spanChar();
      const c = this.char();
      if (c === '-') {
        danglingNegation = span;
        const original = items.find((x) => x.flag === '-');
        if (original) throw this.error(span, 'flag negation operator repeated', original.span);
        items.push({ span, flag: '-' });
      } else {
        danglingNegation = undefined;
        const flag = FLAGS[c];
        if (flag === undefined) throw this.error(span, 'unrecognized flag');
        const original = items.find((x) => x.flag === flag);
        if (original) throw this.error(span, 'duplicate flag', original.span);
        items.push({ span, flag });
      }
      if (!this.bump()) throw this.error(this.span(), 'expected flag but got end of regex');
    }
    if (danglingNegation) throw this.error(danglingNegation, 'dangling flag negation operator');
    return items;
  }

  // --- repetitions --------------------------------------------------------------------------

  private repetitionOperand(concat: Concat): Ast {
    const ast = concat.asts.pop();
    if (!ast || ast.type === 'empty' || ast.type === 'flags') {
      throw this.error(this.span(), 'repetition operator missing expression');
    }
    return ast;
  }

  private parseUncountedRepetition(concat: Concat): void {
    const op = this.char();
    const ast = this.repetitionOperand(concat);
    if (this.bump() && this.char() === '?') this.bump();
    const [min, max] = op === '?' ? [0, 1] : op === '*' ? [0, null] : [1, null];
    concat.asts.push({
      type: 'repetition',
      span: spanOf(ast.span.start, this.snapshot()),
      min,
      max,
      sub: ast,
    });
  }

  private parseCountedRepetition(concat: Concat): void {
    const start = this.snapshot();
    const ast = this.repetitionOperand(concat);
    const unclosed = () =>
      this.error(spanOf(start, this.snapshot()), 'unclosed counted repetition');
    if (!this.bumpAndBumpSpace()) throw unclosed();
    const first = this.parseDecimal();
    if (this.eof()) throw unclosed();
    let min: number;
    let max: number | null;
    if (this.char() === ',') {
      if (!this.bumpAndBumpSpace()) throw unclosed();
      if (first instanceof RegexSyntaxError) throw first;
      min = first;
      if (this.char() !== '}') {
        const second = this.parseDecimal();
        if (second instanceof RegexSyntaxError) throw second;
        max = second;
      } else {
        max = null;
      }
    } else {
      if (first instanceof RegexSyntaxError) throw first;
      min = max = first;
    }
    if (this.eof() || this.char() !== '}') throw unclosed();
    if (this.bumpAndBumpSpace() && this.char() === '?') this.bump();
    if (max !== null && min > max) {
      throw this.error(
        spanOf(start, this.snapshot()),
        'invalid repetition count range, the start must be <= the end',
      );
    }
    concat.asts.push({
      type: 'repetition',
      span: spanOf(ast.span.start, this.snapshot()),
      min,
      max,
      sub: ast,
    });
  }

  /** A decimal of a counted repetition, or the error to raise if it is used. */
  private parseDecimal(): number | RegexSyntaxError {
    while (!this.eof() && isRustWhitespace(this.char())) this.bump();
    const start = this.snapshot();
    let digits = '';
    while (!this.eof() && /^[0-9]$/.test(this.char())) {
      digits += this.char();
      this.bumpAndBumpSpace();
    }
    const span = spanOf(start, this.snapshot());
    while (!this.eof() && isRustWhitespace(this.char())) this.bumpAndBumpSpace();
    if (digits === '') return this.error(span, 'repetition quantifier expects a valid decimal');
    const n = Number(digits);
    if (n > 0xffffffff) return this.error(span, 'decimal literal invalid');
    return n;
  }

  // --- primitives and escapes ---------------------------------------------------------------

  private parsePrimitive(): Primitive {
    const c = this.char();
    if (c === '\\') return this.parseEscape();
    const span = this.spanChar();
    this.bump();
    if (c === '.') return { type: 'dot', span };
    if (c === '^') return { type: 'assertion', span, kind: 'StartLine' };
    if (c === '$') return { type: 'assertion', span, kind: 'EndLine' };
    return { type: 'literal', span, kind: 'verbatim', c: c.codePointAt(0)! };
  }

  private parseEscape(): Primitive {
    const start = this.snapshot();
    if (!this.bump()) {
      throw this.error(
        spanOf(start, this.snapshot()),
        'incomplete escape sequence, reached end of pattern prematurely',
      );
    }
    const c = this.char();
    if (/^[0-9]$/.test(c)) {
      throw this.error(spanOf(start, this.spanChar().end), 'backreferences are not supported');
    }
    if (c === 'x' || c === 'u' || c === 'U') {
      const lit = this.parseHex();
      return { ...lit, span: spanOf(start, lit.span.end) };
    }
    if (c === 'p' || c === 'P') {
      const cls = this.parseUnicodeClass();
      return { ...cls, span: spanOf(start, cls.span.end) };
    }
    if ('dswDSW'.includes(c)) {
      this.bump();
      return {
        type: 'perl',
        span: spanOf(start, this.snapshot()),
        kind: c.toLowerCase() as 'd' | 's' | 'w',
        negated: c !== c.toLowerCase(),
      };
    }
    this.bump();
    const span = spanOf(start, this.snapshot());
    const cp = c.codePointAt(0)!;
    if (META.has(c) || (cp < 0x80 && !/^[0-9A-Za-z<>]$/.test(c))) {
      return { type: 'literal', span, kind: 'escaped', c: cp };
    }
    const special: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (special[c] !== undefined) return { type: 'literal', span, kind: 'escaped', c: special[c] };
    const assertion = (kind: AssertionKind): Primitive => ({ type: 'assertion', span, kind });
    switch (c) {
      case 'A':
        return assertion('StartText');
      case 'z':
        return assertion('EndText');
      case 'B':
        return assertion('NotWordBoundary');
      case '<':
        return assertion('WordBoundaryStart');
      case '>':
        return assertion('WordBoundaryEnd');
      case 'b': {
        if (!this.eof() && this.char() === '{') {
          const kind = this.maybeSpecialWordBoundary(start);
          if (kind) return { type: 'assertion', span: spanOf(start, this.snapshot()), kind };
        }
        return assertion('WordBoundary');
      }
    }
    throw this.error(span, 'unrecognized escape sequence');
  }

  private maybeSpecialWordBoundary(wbStart: Position): AssertionKind | undefined {
    const start = this.snapshot();
    if (!this.bumpAndBumpSpace()) {
      throw this.error(
        spanOf(wbStart, this.snapshot()),
        'found either the beginning of a special word boundary or a bounded repetition on a \\b with an opening brace, but no closing brace',
      );
    }
    const contentsStart = this.snapshot();
    const valid = (c: string) => /^[A-Za-z-]$/.test(c);
    if (!valid(this.char())) {
      this.pos = start;
      return undefined;
    }
    let name = '';
    while (!this.eof() && valid(this.char())) {
      name += this.char();
      this.bumpAndBumpSpace();
    }
    if (this.eof() || this.char() !== '}') {
      throw this.error(
        spanOf(start, this.snapshot()),
        'special word boundary assertion is either unclosed or contains an invalid character',
      );
    }
    const end = this.snapshot();
    this.bump();
    const kinds: Record<string, AssertionKind> = {
      start: 'WordBoundaryStart',
      end: 'WordBoundaryEnd',
      'start-half': 'WordBoundaryStartHalf',
      'end-half': 'WordBoundaryEndHalf',
    };
    const kind = kinds[name];
    if (!kind) {
      throw this.error(
        spanOf(contentsStart, end),
        'unrecognized special word boundary assertion, valid choices are: start, end, start-half or end-half',
      );
    }
    return kind;
  }

  private parseHex(): LiteralNode {
    const form = this.char();
    const digits = form === 'x' ? 2 : form === 'u' ? 4 : 8;
    if (!this.bumpAndBumpSpace()) {
      throw this.error(
        this.span(),
        'incomplete escape sequence, reached end of pattern prematurely',
      );
    }
    if (this.char() === '{') {
      const brace = this.snapshot();
      const start = this.spanChar().end;
      let hex = '';
      while (this.bumpAndBumpSpace() && this.char() !== '}') {
        if (!isHex(this.char())) throw this.error(this.spanChar(), 'invalid hexadecimal digit');
        hex += this.char();
      }
      if (this.eof()) {
        throw this.error(
          spanOf(brace, this.snapshot()),
          'incomplete escape sequence, reached end of pattern prematurely',
        );
      }
      const end = this.snapshot();
      this.bumpAndBumpSpace();
      if (hex === '') throw this.error(spanOf(brace, this.snapshot()), 'hexadecimal literal empty');
      const cp = hex.length > 8 ? -1 : parseInt(hex, 16);
      if (!isScalar(cp)) {
        throw this.error(spanOf(start, end), 'hexadecimal literal is not a Unicode scalar value');
      }
      return { type: 'literal', span: spanOf(start, this.snapshot()), kind: 'hex-other', c: cp };
    }
    const start = this.snapshot();
    let hex = '';
    for (let i = 0; i < digits; i++) {
      if (i > 0 && !this.bumpAndBumpSpace()) {
        throw this.error(
          this.span(),
          'incomplete escape sequence, reached end of pattern prematurely',
        );
      }
      if (!isHex(this.char())) throw this.error(this.spanChar(), 'invalid hexadecimal digit');
      hex += this.char();
    }
    this.bumpAndBumpSpace();
    const end = this.snapshot();
    const cp = parseInt(hex, 16);
    if (!isScalar(cp)) {
      throw this.error(spanOf(start, end), 'hexadecimal literal is not a Unicode scalar value');
    }
    // Only the fixed `\xNN` form names a byte when Unicode mode is off.
    const kind = form === 'x' ? 'hex-byte' : 'hex-other';
    return { type: 'literal', span: spanOf(start, end), kind, c: cp };
  }

  private parseUnicodeClass(): UnicodeClassNode {
    const negated = this.char() === 'P';
    if (!this.bumpAndBumpSpace()) {
      throw this.error(
        this.span(),
        'incomplete escape sequence, reached end of pattern prematurely',
      );
    }
    if (this.char() === '{') {
      const start = this.spanChar().end;
      let name = '';
      while (this.bumpAndBumpSpace() && this.char() !== '}') name += this.char();
      if (this.eof()) {
        throw this.error(
          this.span(),
          'incomplete escape sequence, reached end of pattern prematurely',
        );
      }
      this.bump();
      const span = spanOf(start, this.snapshot());
      for (const op of ['!=', ':', '='] as const) {
        const i = name.indexOf(op);
        if (i >= 0) {
          return {
            type: 'unicode',
            span,
            negated,
            kind: {
              type: 'named-value',
              op,
              name: name.slice(0, i),
              value: name.slice(i + op.length),
            },
          };
        }
      }
      return { type: 'unicode', span, negated, kind: { type: 'named', name } };
    }
    const start = this.snapshot();
    const letter = this.char();
    if (letter === '\\') throw this.error(this.spanChar(), 'invalid Unicode character class');
    this.bumpAndBumpSpace();
    return {
      type: 'unicode',
      span: spanOf(start, this.snapshot()),
      negated,
      kind: { type: 'one-letter', letter },
    };
  }

  // --- bracketed classes --------------------------------------------------------------------

  private unclosedClass(): RegexSyntaxError {
    for (let i = this.classes.length - 1; i >= 0; i--) {
      const state = this.classes[i]!;
      if (state.type === 'open') return this.error(state.set.span, 'unclosed character class');
    }
    return this.error(this.span(), 'unclosed character class');
  }

  private parseSetClass(): BracketedNode {
    let union: Union = { span: this.span(), items: [] };
    for (;;) {
      this.bumpSpace();
      if (this.eof()) throw this.unclosedClass();
      const c = this.char();
      if (c === '[') {
        if (this.classes.length > 0) {
          const ascii = this.maybeAsciiClass();
          if (ascii) {
            union.items.push(ascii);
            continue;
          }
        }
        union = this.pushClassOpen(union);
      } else if (c === ']') {
        const popped = this.popClass(union);
        if ('type' in popped) return popped;
        union = popped;
      } else if ((c === '&' || c === '-' || c === '~') && this.peek() === c) {
        this.bump();
        this.bump();
        union = this.pushClassOp(`${c}${c}` as '&&' | '--' | '~~', union);
      } else {
        union.items.push(this.parseSetClassRange());
      }
    }
  }

  private pushClassOpen(parent: Union): Union {
    const start = this.snapshot();
    const unclosed = (at: Position) => this.error(spanOf(start, at), 'unclosed character class');
    if (!this.bumpAndBumpSpace()) throw unclosed(this.snapshot());
    let negated = false;
    if (this.char() === '^') {
      negated = true;
      if (!this.bumpAndBumpSpace()) throw unclosed(this.snapshot());
    }
    const union: Union = { span: this.span(), items: [] };
    // A leading `-` (or `]`) is a literal.
    while (this.char() === '-') {
      union.items.push({ type: 'literal', span: this.spanChar(), kind: 'verbatim', c: 0x2d });
      if (!this.bumpAndBumpSpace()) throw unclosed(start);
    }
    if (union.items.length === 0 && this.char() === ']') {
      union.items.push({ type: 'literal', span: this.spanChar(), kind: 'verbatim', c: 0x5d });
      if (!this.bumpAndBumpSpace()) throw unclosed(this.snapshot());
    }
    const set: BracketedNode = {
      type: 'bracketed',
      span: spanOf(start, this.snapshot()),
      negated,
      set: { type: 'item', item: { type: 'empty', span: this.span() } },
    };
    this.classes.push({ type: 'open', union: parent, set });
    return union;
  }

  private popClass(nested: Union): Union | BracketedNode {
    const prev = this.popClassOp({ type: 'item', item: unionToItem(nested) });
    const state = this.classes.pop();
    if (state?.type !== 'open') throw this.unclosedClass();
    this.bump();
    const set: BracketedNode = {
      ...state.set,
      span: spanOf(state.set.span.start, this.snapshot()),
      set: prev,
    };
    if (this.classes.length === 0) return set;
    state.union.items.push(set);
    return state.union;
  }

  private pushClassOp(op: '&&' | '--' | '~~', union: Union): Union {
    const lhs = this.popClassOp({ type: 'item', item: unionToItem(union) });
    this.classes.push({ type: 'op', op, lhs });
    return { span: this.span(), items: [] };
  }

  private popClassOp(rhs: ClassSet): ClassSet {
    const top = this.classes[this.classes.length - 1];
    if (top?.type !== 'op') return rhs;
    this.classes.pop();
    return {
      type: 'op',
      span: spanOf(classSetSpan(top.lhs).start, classSetSpan(rhs).end),
      op: top.op,
      lhs: top.lhs,
      rhs,
    };
  }

  private parseSetClassRange(): ClassSetItem {
    const first = this.parseSetClassItem();
    this.bumpSpace();
    if (this.eof()) throw this.unclosedClass();
    if (this.char() !== '-' || this.peekSpace() === ']' || this.peekSpace() === '-') {
      return this.toClassSetItem(first);
    }
    if (!this.bumpAndBumpSpace()) throw this.unclosedClass();
    const second = this.parseSetClassItem();
    const span = spanOf(first.span.start, second.span.end);
    const start = this.toRangeEnd(first);
    const end = this.toRangeEnd(second);
    if (start.c > end.c) {
      throw this.error(span, 'invalid character class range, the start must be <= the end');
    }
    return { type: 'range', span, start, end };
  }

  private parseSetClassItem(): Primitive {
    if (this.char() === '\\') return this.parseEscape();
    const span = this.spanChar();
    const c = this.char().codePointAt(0)!;
    this.bump();
    return { type: 'literal', span, kind: 'verbatim', c };
  }

  private toClassSetItem(p: Primitive): ClassSetItem {
    if (p.type === 'literal' || p.type === 'perl' || p.type === 'unicode') return p;
    throw this.error(p.span, 'invalid escape sequence found in character class');
  }

  private toRangeEnd(p: Primitive): LiteralNode {
    if (p.type === 'literal') return p;
    throw this.error(p.span, 'invalid range boundary, must be a literal');
  }

  private maybeAsciiClass(): ClassSetItem | undefined {
    const start = this.snapshot();
    const reset = () => {
      this.pos = start;
      return undefined;
    };
    if (!this.bump() || this.char() !== ':') return reset();
    if (!this.bump()) return reset();
    let negated = false;
    if (this.char() === '^') {
      negated = true;
      if (!this.bump()) return reset();
    }
    const nameStart = this.pos.offset;
    while (this.char() !== ':' && this.bump()) {
      // scan to the closing ':'
    }
    if (this.eof()) return reset();
    const name = this.pattern.slice(nameStart, this.pos.offset);
    if (!this.bumpIf(':]')) return reset();
    if (!ASCII_CLASS_NAMES.has(name)) return reset();
    return { type: 'ascii', span: spanOf(start, this.snapshot()), name, negated };
  }
}

function isScalar(cp: number): boolean {
  return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/** The state a flag group leaves a flag in (`-` negates the flags after it), if it names it. */
export function flagState(items: readonly FlagItem[], flag: FlagName): boolean | undefined {
  let negated = false;
  for (const item of items) {
    if (item.flag === '-') negated = true;
    else if (item.flag === flag) return !negated;
  }
  return undefined;
}

/** Rust checks nesting after parsing: groups, repetitions, alternations, concatenations and
 * classes each add a level; the first node past the limit is the error's span. */
function checkNesting(parser: Parser, ast: Ast): void {
  const tooDeep = (span: Span) =>
    parser.error(span, `exceed the maximum number of nested parentheses/brackets (${NEST_LIMIT})`);
  const visitItem = (item: ClassSetItem, depth: number): void => {
    if (item.type === 'bracketed') {
      if (depth + 1 > NEST_LIMIT) throw tooDeep(item.span);
      visitSet(item.set, depth + 1);
    } else if (item.type === 'union') {
      if (depth + 1 > NEST_LIMIT) throw tooDeep(item.span);
      for (const x of item.items) visitItem(x, depth + 1);
    }
  };
  const visitSet = (set: ClassSet, depth: number): void => {
    if (set.type === 'item') return visitItem(set.item, depth);
    if (depth + 1 > NEST_LIMIT) throw tooDeep(set.span);
    visitSet(set.lhs, depth + 1);
    visitSet(set.rhs, depth + 1);
  };
  const visit = (node: Ast, depth: number): void => {
    switch (node.type) {
      case 'bracketed':
        if (depth + 1 > NEST_LIMIT) throw tooDeep(node.span);
        return visitSet(node.set, depth + 1);
      case 'repetition':
      case 'group':
        if (depth + 1 > NEST_LIMIT) throw tooDeep(node.span);
        return visit(node.sub, depth + 1);
      case 'alternation':
      case 'concat':
        if (depth + 1 > NEST_LIMIT) throw tooDeep(node.span);
        for (const sub of node.subs) visit(sub, depth + 1);
        return;
      default:
        return;
    }
  };
  visit(ast, 0);
}
