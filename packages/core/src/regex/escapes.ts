import type { AssertionKind, LiteralNode, PerlClassNode, UnicodeClassNode } from './ast.js';
import { Cursor, spanOf } from './cursor.js';
import type { Position, Span } from './syntax-error.js';

/** A single-character item: what may follow in a concatenation or appear inside a class. */
export type Primitive =
  | LiteralNode
  | { type: 'assertion'; span: Span; kind: AssertionKind }
  | { type: 'dot'; span: Span }
  | PerlClassNode
  | UnicodeClassNode;

const META = new Set('\\.+*?()|[]{}^$#&-~');

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

function isScalar(cp: number): boolean {
  return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/** Escapes (`\x{..}`, `\p{..}`, `\b{start}`, ...), literals, `.`, `^` and `$`, as Rust parses them. */
export class EscapeParser extends Cursor {
  protected parsePrimitive(): Primitive {
    const c = this.char();
    if (c === '\\') return this.parseEscape();
    const span = this.spanChar();
    this.bump();
    if (c === '.') return { type: 'dot', span };
    if (c === '^') return { type: 'assertion', span, kind: 'StartLine' };
    if (c === '$') return { type: 'assertion', span, kind: 'EndLine' };
    return { type: 'literal', span, kind: 'verbatim', c: c.codePointAt(0)! };
  }

  protected parseEscape(): Primitive {
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

  protected maybeSpecialWordBoundary(wbStart: Position): AssertionKind | undefined {
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

  protected parseHex(): LiteralNode {
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

  protected parseUnicodeClass(): UnicodeClassNode {
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
}
