import { LOOKS, Op, type Program } from './program.js';
import { contains, isAsciiWordChar, isWordChar } from './unicode.js';

/**
 * A lazy DFA deciding whether a program matches anywhere in a text (Rust's `Regex::is_match`).
 *
 * A DFA state is the set of NFA threads alive after a character, plus what the assertions need to
 * know of that character (word character or not, `\n`, `\r`, start of text). A transition is
 * computed the first time it is taken — an ε-closure that evaluates assertions against the
 * previous and next character, then one step — and cached, so in the common case each character
 * of a document costs one array lookup. Every transition costs at most O(program size), so a scan
 * is linear in the text whatever the pattern (no backtracking: `^(a+)+$` is as cheap as `a`).
 *
 * The cache is bounded; when it fills it is emptied and rebuilt as the scan goes on, which keeps
 * memory bounded and the time linear (RE2 and Rust's hybrid engine do the same).
 */

// What a character (or the start/end of the text) is, for assertions.
const START = 1;
const LF = 2;
const CR = 4;
const WORD_ASCII = 8;
const WORD_UNICODE = 16;
const END = 32;

/** Cached states, and the thread ids they hold, before the cache is emptied. */
const MAX_STATES = 4096;
const MAX_CACHED_THREADS = 1 << 21;

interface DState {
  readonly threads: Int32Array;
  readonly prev: number;
  /** No thread is alive and none can start: the text cannot match from here. */
  readonly dead: boolean;
  ascii: (DState | undefined)[] | undefined;
  other: Map<number, DState> | undefined;
  /** Whether the text matches if it ends here (computed on demand). */
  atEnd: boolean | undefined;
}

const MATCHED: DState = {
  threads: new Int32Array(0),
  prev: 0,
  dead: false,
  ascii: undefined,
  other: undefined,
  atEnd: true,
};

function bitsOf(cp: number): number {
  let bits = 0;
  if (cp === 10) bits |= LF;
  else if (cp === 13) bits |= CR;
  if (cp < 0x80) {
    if (isAsciiWordChar(cp)) bits |= WORD_ASCII | WORD_UNICODE;
  } else if (isWordChar(cp)) {
    bits |= WORD_UNICODE;
  }
  return bits;
}

/** Whether assertion `look` (an index into LOOKS) holds between `prev` and `next`. */
function holds(look: number, prev: number, next: number): boolean {
  const wa = (prev & WORD_ASCII) !== 0;
  const wa2 = (next & WORD_ASCII) !== 0;
  const wu = (prev & WORD_UNICODE) !== 0;
  const wu2 = (next & WORD_UNICODE) !== 0;
  switch (LOOKS[look]) {
    case 'Start':
      return (prev & START) !== 0;
    case 'End':
      return (next & END) !== 0;
    case 'StartLF':
      return (prev & (START | LF)) !== 0;
    case 'EndLF':
      return (next & (END | LF)) !== 0;
    case 'StartCRLF':
      return (prev & (START | LF)) !== 0 || ((prev & CR) !== 0 && (next & LF) === 0);
    case 'EndCRLF':
      return (next & (END | CR)) !== 0 || ((next & LF) !== 0 && (prev & CR) === 0);
    case 'WordAscii':
      return wa !== wa2;
    case 'WordAsciiNegate':
      return wa === wa2;
    case 'WordUnicode':
      return wu !== wu2;
    case 'WordUnicodeNegate':
      return wu === wu2;
    case 'WordStartAscii':
      return !wa && wa2;
    case 'WordEndAscii':
      return wa && !wa2;
    case 'WordStartUnicode':
      return !wu && wu2;
    case 'WordEndUnicode':
      return wu && !wu2;
    case 'WordStartHalfAscii':
      return !wa;
    case 'WordEndHalfAscii':
      return !wa2;
    case 'WordStartHalfUnicode':
      return !wu;
    case 'WordEndHalfUnicode':
      return !wu2;
    default:
      return false;
  }
}

/** Which bits of the previous character any assertion of the program reads. */
function prevMaskOf(looks: number): number {
  let mask = START;
  LOOKS.forEach((look, i) => {
    if ((looks & (1 << i)) === 0) return;
    if (look.includes('Ascii')) mask |= WORD_ASCII;
    else if (look.startsWith('Word')) mask |= WORD_UNICODE;
    else if (look.endsWith('CRLF')) mask |= LF | CR;
    else if (look.endsWith('LF')) mask |= LF;
  });
  return mask;
}

/** The lazy DFA of one program; safe to share between scans (JS runs one at a time). */
export class LazyDfa {
  private states = new Map<string, DState>();
  private cachedThreads = 0;
  private readonly mark: Uint32Array;
  private generation = 0;
  private readonly stack: Int32Array;
  private readonly chars: Int32Array;
  private readonly prevMask: number;
  readonly initial: DState;

  constructor(private readonly program: Program) {
    const size = program.op.length;
    this.mark = new Uint32Array(size);
    this.stack = new Int32Array(size + 1);
    this.chars = new Int32Array(size + 1);
    this.prevMask = prevMaskOf(program.looks);
    this.initial = this.state(new Int32Array(0), START);
  }

  /** The state after `cp`; `MATCHED` once a match has been seen. `work` counts closure steps. */
  next(s: DState, cp: number): DState {
    if (cp < 0x80) {
      const cached = s.ascii?.[cp];
      if (cached) return cached;
    } else {
      const cached = s.other?.get(cp);
      if (cached) return cached;
    }
    const target = this.compute(s, cp, bitsOf(cp));
    if (cp < 0x80) (s.ascii ??= new Array<DState | undefined>(128))[cp] = target;
    else (s.other ??= new Map()).set(cp, target);
    return target;
  }

  /** Whether the text matches if it ends in state `s`. */
  atEnd(s: DState): boolean {
    s.atEnd ??= this.compute(s, -1, END) === MATCHED;
    return s.atEnd;
  }

  /** Program size: the worst-case cost of computing one transition. */
  get size(): number {
    return this.program.op.length;
  }

  isMatched(s: DState): boolean {
    return s === MATCHED;
  }

  private nextGeneration(): number {
    if (this.generation === 0xffffffff) {
      this.mark.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }

  private compute(s: DState, cp: number, nextBits: number): DState {
    const { op, a, b, sets, start, anchoredStart } = this.program;
    const mark = this.mark;
    const stack = this.stack;
    let gen = this.nextGeneration();
    let sp = 0;
    const push = (pc: number) => {
      if (mark[pc] !== gen) {
        mark[pc] = gen;
        stack[sp++] = pc;
      }
    };
    for (const pc of s.threads) push(pc);
    if (!anchoredStart || (s.prev & START) !== 0) push(start);
    let chars = 0;
    while (sp > 0) {
      const pc = stack[--sp]!;
      switch (op[pc]) {
        case Op.Char:
          this.chars[chars++] = pc;
          break;
        case Op.Split:
          push(a[pc]!);
          push(b[pc]!);
          break;
        case Op.Look:
          if (holds(a[pc]!, s.prev, nextBits)) push(b[pc]!);
          break;
        case Op.Match:
          return MATCHED;
      }
    }
    if (cp < 0) return this.initial; // end of text without a match (the caller only compares)
    gen = this.nextGeneration();
    const out: number[] = [];
    for (let i = 0; i < chars; i++) {
      const pc = this.chars[i]!;
      const to = b[pc]!;
      if (mark[to] !== gen && contains(sets[a[pc]!]!, cp)) {
        mark[to] = gen;
        out.push(to);
      }
    }
    out.sort((x, y) => x - y);
    return this.state(Int32Array.from(out), nextBits & this.prevMask);
  }

  private state(threads: Int32Array, prev: number): DState {
    const key = `${prev}:${threads.join(',')}`;
    let s = this.states.get(key);
    if (s) return s;
    if (this.states.size >= MAX_STATES || this.cachedThreads >= MAX_CACHED_THREADS) this.reset();
    s = {
      threads,
      prev,
      dead: threads.length === 0 && this.program.anchoredStart && (prev & START) === 0,
      ascii: undefined,
      other: undefined,
      atEnd: undefined,
    };
    this.states.set(key, s);
    this.cachedThreads += threads.length;
    return s;
  }

  /** Empties the cache; states still held by a scan stay valid (transitions are recomputed). */
  private reset(): void {
    for (const s of this.states.values()) {
      s.ascii = undefined;
      s.other = undefined;
    }
    this.states = new Map();
    this.cachedThreads = 0;
  }
}

/**
 * One resumable scan of a text: `run(budget)` advances at most about `budget` units of work (a
 * character is one unit, a newly computed transition costs its closure) and tells whether the
 * answer is known; `matched` then holds it.
 */
export class Scan {
  private i = 0;
  private state: DState;
  matched = false;

  constructor(
    private readonly dfa: LazyDfa | undefined,
    private readonly text: string,
  ) {
    this.state = dfa?.initial ?? MATCHED;
  }

  /** A scan whose answer is already known. */
  static done(matched: boolean): Scan {
    const scan = new Scan(undefined, '');
    scan.matched = matched;
    return scan;
  }

  /** Advances; true when finished. */
  run(budget = Number.POSITIVE_INFINITY): boolean {
    const dfa = this.dfa;
    if (!dfa) return true;
    const text = this.text;
    const n = text.length;
    // A transition not in the cache costs up to the program's size; charge it as such.
    const computeCost = Math.max(1, dfa.size >> 4);
    let s = this.state;
    let i = this.i;
    let spent = 0;
    while (i < n) {
      if (s.dead) return this.finish(false);
      let cp = text.charCodeAt(i++);
      if (cp >= 0xd800 && cp <= 0xdfff) {
        const low = i < n ? text.charCodeAt(i) : 0;
        if (cp <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          i++;
        } else {
          cp = 0xfffd; // a lone surrogate reads as the replacement character
        }
      }
      const cached = cp < 0x80 ? s.ascii?.[cp] : s.other?.get(cp);
      if (cached) {
        s = cached;
        spent++;
      } else {
        s = dfa.next(s, cp);
        spent += computeCost;
      }
      if (dfa.isMatched(s)) return this.finish(true);
      if (spent >= budget) {
        this.state = s;
        this.i = i;
        return false;
      }
    }
    return this.finish(dfa.atEnd(s));
  }

  private finish(matched: boolean): boolean {
    this.matched = matched;
    this.i = this.text.length;
    return true;
  }
}
