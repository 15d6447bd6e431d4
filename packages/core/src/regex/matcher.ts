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

/**
 * The cache's budget, in approximate bytes. When it is spent the cache is emptied (see reset).
 * 8 MiB holds tens of thousands of states, enough for patterns like `(a|b)*a(a|b){14}` whose
 * DFA has 2^15 states, so that they too run at one lookup per character once warm.
 */
const CACHE_BYTES = 8 << 20;
const STATE_OVERHEAD_BYTES = 96;

interface DState {
  readonly threads: Int32Array;
  readonly prev: number;
  /** No thread is alive and none can start: the text cannot match from here. */
  readonly dead: boolean;
  /** Transitions on ASCII characters, by character class (see LazyDfa.asciiClass). */
  ascii: (DState | undefined)[];
  /** Transitions on other characters, by code point. */
  other: Map<number, DState> | undefined;
  /** Whether the text matches if it ends here (computed on demand). */
  atEnd: boolean | undefined;
}

const MATCHED: DState = {
  threads: new Int32Array(0),
  prev: 0,
  dead: false,
  ascii: [],
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

/** Most distinct sets for which ASCII characters are grouped into classes (beyond it, one class
 * per character: grouping would cost more than it saves). */
const MAX_SETS_FOR_CLASSES = 2048;

/**
 * ASCII characters that no set and no assertion tells apart share a class, so a state's ASCII
 * transition table has one slot per class (a handful for most patterns) instead of 128.
 */
function asciiClasses(program: Program, prevMask: number): { of: Uint8Array; count: number } {
  const of = new Uint8Array(128);
  if (program.sets.length > MAX_SETS_FOR_CLASSES) {
    for (let c = 0; c < 128; c++) of[c] = c;
    return { of, count: 128 };
  }
  const ids = new Map<string, number>();
  for (let c = 0; c < 128; c++) {
    // Assertions read the next character's bits too, so those join the signature.
    let signature = String(bitsOf(c) & (prevMask | WORD_ASCII | WORD_UNICODE | LF | CR));
    for (const set of program.sets) signature += contains(set, c) ? '1' : '0';
    let id = ids.get(signature);
    if (id === undefined) {
      id = ids.size;
      ids.set(signature, id);
    }
    of[c] = id;
  }
  return { of, count: ids.size };
}

/** The lazy DFA of one program; safe to share between scans (JS runs one at a time). */
export class LazyDfa {
  private states = new Map<number, DState[]>();
  private cacheBytes = 0;
  private readonly mark: Uint32Array;
  private generation = 0;
  private readonly stack: Int32Array;
  private readonly chars: Int32Array;
  private readonly out: Int32Array;
  private readonly prevMask: number;
  /** The class of each ASCII character (see asciiClasses). */
  readonly asciiClass: Uint8Array;
  private readonly classCount: number;
  readonly initial: DState;

  constructor(private readonly program: Program) {
    const size = program.op.length;
    this.mark = new Uint32Array(size);
    this.stack = new Int32Array(size + 1);
    this.chars = new Int32Array(size + 1);
    this.out = new Int32Array(size + 1);
    this.prevMask = prevMaskOf(program.looks);
    const classes = asciiClasses(program, this.prevMask);
    this.asciiClass = classes.of;
    this.classCount = classes.count;
    this.initial = this.state(new Int32Array(0), START);
  }

  /** The state after `cp`; `MATCHED` once a match has been seen. */
  next(s: DState, cp: number): DState {
    if (cp < 0x80) {
      const k = this.asciiClass[cp]!;
      const cached = s.ascii[k];
      if (cached) return cached;
      const target = this.compute(s, cp, bitsOf(cp));
      s.ascii[k] = target;
      return target;
    }
    const cached = s.other?.get(cp);
    if (cached) return cached;
    const target = this.compute(s, cp, bitsOf(cp));
    (s.other ??= new Map()).set(cp, target);
    this.cacheBytes += 16;
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
    const chars = this.chars;
    let gen = this.nextGeneration();
    let sp = 0;
    const threads = s.threads;
    for (let i = 0; i < threads.length; i++) {
      mark[threads[i]!] = gen;
      stack[sp++] = threads[i]!;
    }
    if ((!anchoredStart || (s.prev & START) !== 0) && mark[start] !== gen) {
      mark[start] = gen;
      stack[sp++] = start;
    }
    let n = 0;
    while (sp > 0) {
      const pc = stack[--sp]!;
      switch (op[pc] as Op) {
        case Op.Char:
          chars[n++] = pc;
          break;
        case Op.Split: {
          const x = a[pc]!;
          const y = b[pc]!;
          if (mark[y] !== gen) {
            mark[y] = gen;
            stack[sp++] = y;
          }
          if (mark[x] !== gen) {
            mark[x] = gen;
            stack[sp++] = x;
          }
          break;
        }
        case Op.Look: {
          const y = b[pc]!;
          if (mark[y] !== gen && holds(a[pc]!, s.prev, nextBits)) {
            mark[y] = gen;
            stack[sp++] = y;
          }
          break;
        }
        case Op.Match:
          return MATCHED;
      }
    }
    if (cp < 0) return this.initial; // end of text without a match (the caller only compares)
    gen = this.nextGeneration();
    const out = this.out;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const pc = chars[i]!;
      const to = b[pc]!;
      if (mark[to] !== gen && contains(sets[a[pc]!]!, cp)) {
        mark[to] = gen;
        out[m++] = to;
      }
    }
    const next = out.slice(0, m).sort();
    return this.state(next, nextBits & this.prevMask);
  }

  private state(threads: Int32Array, prev: number): DState {
    let hash = prev | 0;
    for (let i = 0; i < threads.length; i++) hash = (Math.imul(hash, 31) + threads[i]!) | 0;
    const bucket = this.states.get(hash);
    if (bucket) {
      for (const s of bucket) if (s.prev === prev && sameThreads(s.threads, threads)) return s;
    }
    const bytes = STATE_OVERHEAD_BYTES + 4 * threads.length + 8 * this.classCount;
    if (this.cacheBytes + bytes > CACHE_BYTES) this.reset();
    const s: DState = {
      threads,
      prev,
      dead: threads.length === 0 && this.program.anchoredStart && (prev & START) === 0,
      ascii: new Array<DState | undefined>(this.classCount),
      other: undefined,
      atEnd: undefined,
    };
    const list = this.states.get(hash);
    if (list) list.push(s);
    else this.states.set(hash, [s]);
    this.cacheBytes += bytes;
    return s;
  }

  /** Empties the cache; states still held by a scan stay valid (transitions are recomputed). */
  private reset(): void {
    for (const bucket of this.states.values()) {
      for (const s of bucket) {
        s.ascii.fill(undefined);
        s.other = undefined;
      }
    }
    this.states = new Map();
    this.cacheBytes = 0;
  }
}

function sameThreads(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * One resumable scan of a text: `run(deadline)` advances until the answer is known (true; it is
 * then in `matched`) or until `performance.now()` passes `deadline` (false; call again).
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

  /** Advances; true when finished. The clock is read every 256 characters. */
  run(deadline = Number.POSITIVE_INFINITY): boolean {
    const dfa = this.dfa;
    if (!dfa) return true;
    const text = this.text;
    const n = text.length;
    const classOf = dfa.asciiClass;
    let s = this.state;
    let i = this.i;
    let steps = 0;
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
      s = (cp < 0x80 ? s.ascii[classOf[cp]!] : s.other?.get(cp)) ?? dfa.next(s, cp);
      if (dfa.isMatched(s)) return this.finish(true);
      if ((++steps & 255) === 0 && performance.now() >= deadline) {
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
