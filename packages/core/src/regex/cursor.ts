import { RegexSyntaxError, type Position, type Span } from './syntax-error.js';
import { isRustWhitespace } from './unicode.js';

/** A half-open span from two positions. */
export function spanOf(start: Position, end: Position): Span {
  return { start, end };
}

/**
 * The parser's cursor over a pattern: code points, Rust-style positions (line and column in
 * characters) and `x`-mode whitespace and comment skipping.
 */
export class Cursor {
  protected pos: Position = { offset: 0, line: 1, column: 1 };
  protected ignoreWhitespace = false;

  constructor(protected readonly pattern: string) {}

  /** An error at `span` (and `aux`, for errors that point at two places). */
  error(span: Span, kind: string, aux?: Span): RegexSyntaxError {
    return new RegexSyntaxError(this.pattern, kind, span, aux);
  }

  protected eof(): boolean {
    return this.pos.offset >= this.pattern.length;
  }

  protected charAt(offset: number): string {
    const unit = this.pattern.charCodeAt(offset);
    if (unit < 0xd800 || unit > 0xdbff) return this.pattern[offset]!;
    return String.fromCodePoint(this.pattern.codePointAt(offset)!);
  }

  protected char(): string {
    return this.charAt(this.pos.offset);
  }

  protected snapshot(): Position {
    return { ...this.pos };
  }

  /** Advances one character; false when that reaches the end. */
  protected bump(): boolean {
    if (this.eof()) return false;
    const c = this.char();
    this.pos =
      c === '\n'
        ? { offset: this.pos.offset + 1, line: this.pos.line + 1, column: 1 }
        : { offset: this.pos.offset + c.length, line: this.pos.line, column: this.pos.column + 1 };
    return !this.eof();
  }

  protected bumpIf(prefix: string): boolean {
    if (!this.pattern.startsWith(prefix, this.pos.offset)) return false;
    for (let i = 0; i < [...prefix].length; i++) this.bump();
    return true;
  }

  protected bumpAndBumpSpace(): boolean {
    if (!this.bump()) return false;
    this.bumpSpace();
    return !this.eof();
  }

  /** In `x` mode, skips whitespace and `#` comments. */
  protected bumpSpace(): void {
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

  protected peek(): string | undefined {
    if (this.eof()) return undefined;
    const next = this.pos.offset + this.char().length;
    return next < this.pattern.length ? this.charAt(next) : undefined;
  }

  protected peekSpace(): string | undefined {
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

  protected span(): Span {
    return spanOf(this.snapshot(), this.snapshot());
  }

  protected spanChar(): Span {
    const c = this.char();
    const end =
      c === '\n'
        ? { offset: this.pos.offset + 1, line: this.pos.line + 1, column: 1 }
        : { offset: this.pos.offset + c.length, line: this.pos.line, column: this.pos.column + 1 };
    return spanOf(this.snapshot(), end);
  }
}
