/** A place in a pattern: `offset` in UTF-16 code units; `line` and `column` from 1, in code points. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

/** A half-open range of a pattern. */
export interface Span {
  start: Position;
  end: Position;
}

/**
 * A pattern Rust's `regex-syntax` would refuse, with the message it gives (`describe()` renders the
 * pattern with carets under the offending span, exactly as `regex_syntax::Error`'s `Display` does,
 * so Chroma's "Regex syntax errror: …" message can be reproduced byte for byte).
 */
export class RegexSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    readonly kind: string,
    readonly span: Span,
    readonly auxSpan?: Span,
  ) {
    super(kind);
    this.name = 'RegexSyntaxError';
  }

  /** The text of Rust's `regex_syntax::Error` for this error. */
  describe(): string {
    const spans = [this.span, ...(this.auxSpan ? [this.auxSpan] : [])];
    const lines = rustLines(this.pattern);
    // A pattern ending in a newline has one more (empty) line a span can point at.
    const lineCount = lines.length + (this.pattern.endsWith('\n') ? 1 : 0);
    const width = lineCount <= 1 ? 0 : String(lineCount).length;
    const byLine: Span[][] = Array.from({ length: lineCount }, () => []);
    const multiLine: Span[] = [];
    for (const span of spans) {
      if (span.start.line === span.end.line) byLine[span.start.line - 1]?.push(span);
      else multiLine.push(span);
    }
    for (const list of byLine) list.sort(compareSpans);
    multiLine.sort(compareSpans);

    let notated = '';
    lines.forEach((line, i) => {
      notated += width > 0 ? `${String(i + 1).padStart(width)}: ` : '    ';
      notated += `${line}\n`;
      const notes = byLine[i] ?? [];
      if (notes.length === 0) return;
      let text = ' '.repeat(width === 0 ? 4 : 2 + width);
      let column = 0;
      for (const span of notes) {
        while (column < span.start.column - 1) {
          text += ' ';
          column++;
        }
        const length = Math.max(1, span.end.column - span.start.column);
        text += '^'.repeat(length);
        column += length;
      }
      notated += `${text}\n`;
    });

    if (!this.pattern.includes('\n')) return `regex parse error:\n${notated}error: ${this.kind}`;
    const divider = '~'.repeat(79);
    let out = `regex parse error:\n${divider}\n${notated}${divider}\n`;
    if (multiLine.length > 0) {
      out +=
        multiLine
          .map(
            (s) =>
              `on line ${s.start.line} (column ${s.start.column}) through line ${s.end.line} (column ${s.end.column - 1})`,
          )
          .join('\n') + '\n';
    }
    return `${out}error: ${this.kind}`;
  }
}

function compareSpans(a: Span, b: Span): number {
  return (
    a.start.offset - b.start.offset ||
    a.end.offset - b.end.offset ||
    a.start.line - b.start.line ||
    a.start.column - b.start.column
  );
}

/** Rust's `str::lines`: split on `\n`, drop one `\r` before it, no empty last line. */
function rustLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}
