import type {
  Ast,
  BracketedNode,
  ClassSet,
  ClassSetItem,
  FlagItem,
  FlagName,
  LiteralNode,
} from './ast.js';
import { spanOf } from './cursor.js';
import { EscapeParser, type Primitive } from './escapes.js';
import { RegexSyntaxError, type Position, type Span } from './syntax-error.js';
import { isRustAlphabetic, isRustAlphanumeric, isRustWhitespace } from './unicode.js';

/**
 * A parser of Rust's regex syntax (the `regex-syntax` 0.8 crate Chroma validates patterns with),
 * written to reproduce its grammar, error kinds, spans and order of checks. It is iterative
 * (explicit stacks, as Rust's is), so a pattern of a million `(` cannot overflow the call stack,
 * and it reports the first error Rust would report, with the same message and span. Octal escapes
 * are off and the nesting limit is Rust's default (250), as in `regex_syntax::parse`.
 */

/** Rust's default limit on nested groups, repetitions, alternations and classes. */
export const NEST_LIMIT = 250;

const FLAGS: Record<string, FlagName> = { i: 'i', m: 'm', s: 's', U: 'U', u: 'u', R: 'R', x: 'x' };
const ASCII_CLASS_NAMES = new Set(
  'alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit'.split(' '),
);

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

/**
 * Parses a pattern into a syntax tree; throws {@link RegexSyntaxError} as Rust would.
 * @param pattern - the pattern
 */
export function parseRegex(pattern: string): Ast {
  return new Parser(pattern).parse();
}

class Parser extends EscapeParser {
  private readonly groups: GroupState[] = [];
  private readonly classes: ClassState[] = [];
  private readonly captureNames = new Map<string, Span>();

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
