import type { Hir, Look } from './translate.js';
import type { CodeSet } from './unicode.js';

/**
 * A Thompson NFA over code points, compiled from the IR. Counted repetitions are expanded (as Rust
 * does), so `a{1000}` is 1000 instructions; the compiler keeps an estimate of the memory Rust's
 * compiled NFA would take and stops as soon as it passes {@link SIZE_LIMIT} — a pattern is refused
 * before it can make the program (or the time to build it) large.
 */

/** Opcodes: Char consumes one code point in `sets[a]` then goes to `b`; Split goes to both `a`
 * and `b`; Look goes to `b` if assertion `a` holds here; Match is a match. */
export const Op = { Char: 0, Split: 1, Look: 2, Match: 3 } as const;
/** An opcode. */
export type Op = (typeof Op)[keyof typeof Op];

/** Assertions as small integers (index into {@link LOOKS}). */
export const LOOKS: readonly Look[] = [
  'Start',
  'End',
  'StartLF',
  'EndLF',
  'StartCRLF',
  'EndCRLF',
  'WordAscii',
  'WordAsciiNegate',
  'WordUnicode',
  'WordUnicodeNegate',
  'WordStartAscii',
  'WordEndAscii',
  'WordStartUnicode',
  'WordEndUnicode',
  'WordStartHalfAscii',
  'WordEndHalfAscii',
  'WordStartHalfUnicode',
  'WordEndHalfUnicode',
];

/** A compiled program. */
export interface Program {
  op: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  /** Code point sets referenced by Char instructions. */
  sets: CodeSet[];
  start: number;
  /** Whether every match must begin at the start of the text (the pattern starts with `\A`/`^`). */
  anchoredStart: boolean;
  /** Which assertions appear (bit i = LOOKS[i]); none means the previous character never matters. */
  looks: number;
}

/**
 * The limit on a pattern's compiled size, in estimated bytes of Rust's NFA: 10 MiB, Rust's
 * default `size_limit`. The estimate (see `cost` below) was calibrated against regex 1.11 so that
 * the same patterns pass and fail: `a{300000}`, `\w{200}`, `\pL{100}` compile, `a{400000}`,
 * `\w{400}`, `\pL{300}`, `(?:a{1000}){1000}` do not.
 */
export const SIZE_LIMIT = 10 * (1 << 20);

/** Thrown when a pattern's compiled program would pass {@link SIZE_LIMIT}. */
export class SizeLimitError extends Error {
  constructor() {
    super(`Compiled regex exceeds size limit of ${SIZE_LIMIT} bytes.`);
    this.name = 'SizeLimitError';
  }
}

// Rust spends ~24 bytes per NFA state; a class costs about one state per range of its UTF-8
// automaton (forward and reverse), so large Unicode classes dominate.
const STATE_BYTES = 28;
const CLASS_RANGE_BYTES = 60;

function cost(set: CodeSet): number {
  const ranges = set.length / 2;
  return ranges <= 1 && (set[1] ?? 0) < 0x80
    ? STATE_BYTES
    : STATE_BYTES + ranges * CLASS_RANGE_BYTES;
}

/**
 * Compiles the IR; throws {@link SizeLimitError}.
 * @param hir - the translated pattern
 */
export function compile(hir: Hir): Program {
  return new Compiler().program(hir);
}

class Compiler {
  private readonly op: number[] = [];
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  private readonly sets: CodeSet[] = [];
  private readonly setIndex = new Map<CodeSet, number>();
  private bytes = 0;
  private looks = 0;

  program(hir: Hir): Program {
    const match = this.emit(Op.Match, 0, 0, 0);
    const start = this.compile(hir, match);
    return {
      op: Uint8Array.from(this.op),
      a: Int32Array.from(this.a),
      b: Int32Array.from(this.b),
      sets: this.sets,
      start,
      anchoredStart: startsAnchored(hir),
      looks: this.looks,
    };
  }

  private emit(op: Op, a: number, b: number, bytes: number): number {
    this.bytes += bytes;
    if (this.bytes > SIZE_LIMIT) throw new SizeLimitError();
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    return this.op.length - 1;
  }

  private char(set: CodeSet, next: number): number {
    let index = this.setIndex.get(set);
    if (index === undefined) {
      index = this.sets.length;
      this.sets.push(set);
      this.setIndex.set(set, index);
    }
    return this.emit(Op.Char, index, next, cost(set));
  }

  /** Compiles `hir` so that it continues at `next`; returns its entry. */
  private compile(hir: Hir, next: number): number {
    switch (hir.type) {
      case 'empty':
        return next;
      case 'literal':
        return this.char(literalSet(hir.c), next);
      case 'class':
        return this.char(hir.set, next);
      case 'look': {
        const index = LOOKS.indexOf(hir.look);
        this.looks |= 1 << index;
        return this.emit(Op.Look, index, next, STATE_BYTES);
      }
      case 'concat': {
        let entry = next;
        for (let i = hir.subs.length - 1; i >= 0; i--) entry = this.compile(hir.subs[i]!, entry);
        return entry;
      }
      case 'alternation': {
        let entry = this.compile(hir.subs[hir.subs.length - 1]!, next);
        for (let i = hir.subs.length - 2; i >= 0; i--) {
          entry = this.emit(Op.Split, this.compile(hir.subs[i]!, next), entry, STATE_BYTES);
        }
        return entry;
      }
      case 'repetition':
        return this.repetition(hir.sub, hir.min, hir.max, next);
      case 'capture':
        return this.compile(hir.sub, next);
    }
  }

  private repetition(sub: Hir, min: number, max: number | null, next: number): number {
    let entry: number;
    if (max === null) {
      // The loop: split → (sub → split) | next.
      const loop = this.emit(Op.Split, -1, next, STATE_BYTES);
      this.a[loop] = this.compile(sub, loop);
      entry = loop;
      // `x+` = x x*: one mandatory copy before the loop.
      if (min > 0) {
        entry = this.compile(sub, loop);
        min--;
      }
    } else {
      entry = next;
      for (let i = 0; i < max - min; i++) {
        entry = this.emit(Op.Split, this.compile(sub, entry), next, STATE_BYTES);
      }
    }
    for (let i = 0; i < min; i++) entry = this.compile(sub, entry);
    return entry;
  }
}

const literalSets = new Map<number, CodeSet>();

function literalSet(c: number): CodeSet {
  let set = literalSets.get(c);
  if (!set) {
    set = [c, c];
    if (literalSets.size < 4096) literalSets.set(c, set);
  }
  return set;
}

/** Whether every path through the pattern begins with the start-of-text assertion. */
function startsAnchored(hir: Hir): boolean {
  switch (hir.type) {
    case 'look':
      return hir.look === 'Start';
    case 'concat':
      for (const sub of hir.subs) {
        if (startsAnchored(sub)) return true;
        if (!matchesOnlyEmpty(sub)) return false;
      }
      return false;
    case 'alternation':
      return hir.subs.every(startsAnchored);
    case 'repetition':
      return hir.min > 0 && startsAnchored(hir.sub);
    case 'capture':
      return startsAnchored(hir.sub);
    default:
      return false;
  }
}

function matchesOnlyEmpty(hir: Hir): boolean {
  return hir.type === 'empty';
}
