import type { Span } from './syntax-error.js';

/** An inline flag: `i` case-insensitive, `m` multi-line, `s` dot matches `\n`, `U` swap greed,
 * `u` Unicode, `R` CRLF mode, `x` ignore whitespace. */
export type FlagName = 'i' | 'm' | 's' | 'U' | 'u' | 'R' | 'x';

/** One item of a flag group: a flag, or the `-` that negates the flags after it. */
export type FlagItem = { span: Span; flag: FlagName } | { span: Span; flag: '-' };

/** Zero-width assertions, by their Rust names. */
export type AssertionKind =
  | 'StartLine'
  | 'EndLine'
  | 'StartText'
  | 'EndText'
  | 'WordBoundary'
  | 'NotWordBoundary'
  | 'WordBoundaryStart'
  | 'WordBoundaryEnd'
  | 'WordBoundaryStartHalf'
  | 'WordBoundaryEndHalf';

/** `\pL`, `\p{Greek}`, `\p{sc=Greek}` (op `=`, `:` or `!=`). */
export type UnicodeClassKind =
  | { type: 'one-letter'; letter: string }
  | { type: 'named'; name: string }
  | { type: 'named-value'; op: '=' | ':' | '!='; name: string; value: string };

/** How a literal was written (hex escapes of bytes matter when Unicode mode is off). */
export type LiteralKind = 'verbatim' | 'escaped' | 'hex-byte' | 'hex-other';

/** A literal character (one code point). */
export interface LiteralNode {
  type: 'literal';
  span: Span;
  kind: LiteralKind;
  c: number;
}

/** `\d`, `\s`, `\w` and their negations. */
export interface PerlClassNode {
  type: 'perl';
  span: Span;
  kind: 'd' | 's' | 'w';
  negated: boolean;
}

/** A Unicode class escape. */
export interface UnicodeClassNode {
  type: 'unicode';
  span: Span;
  negated: boolean;
  kind: UnicodeClassKind;
}

/** `[...]`. */
export interface BracketedNode {
  type: 'bracketed';
  span: Span;
  negated: boolean;
  set: ClassSet;
}

/** An item of a bracketed class. */
export type ClassSetItem =
  | { type: 'empty'; span: Span }
  | LiteralNode
  | { type: 'range'; span: Span; start: LiteralNode; end: LiteralNode }
  | { type: 'ascii'; span: Span; name: string; negated: boolean }
  | UnicodeClassNode
  | PerlClassNode
  | BracketedNode
  | { type: 'union'; span: Span; items: ClassSetItem[] };

/** The contents of a bracketed class: items, or a set operation of two sets. */
export type ClassSet =
  | { type: 'item'; item: ClassSetItem }
  | { type: 'op'; span: Span; op: '&&' | '--' | '~~'; lhs: ClassSet; rhs: ClassSet };

/** Rust regex syntax tree (the parts that decide what matches; comments are dropped). */
export type Ast =
  | { type: 'empty'; span: Span }
  | { type: 'flags'; span: Span; items: FlagItem[] }
  | LiteralNode
  | { type: 'dot'; span: Span }
  | { type: 'assertion'; span: Span; kind: AssertionKind }
  | PerlClassNode
  | UnicodeClassNode
  | BracketedNode
  | { type: 'repetition'; span: Span; min: number; max: number | null; sub: Ast }
  | { type: 'group'; span: Span; capturing: boolean; flags: FlagItem[] | null; sub: Ast }
  | { type: 'alternation'; span: Span; subs: Ast[] }
  | { type: 'concat'; span: Span; subs: Ast[] };
