/**
 * Which metadata values a request wrote as floats. JSON.parse turns `1.0` and `1` into the same
 * JS number, but Chroma keeps them apart (a Python client reads `1.0` back as a float), so the
 * gateway looks at the number tokens of the body's metadata again: a number token with a `.`,
 * `e` or `E` is a float, and a list is a float list when any element is.
 *
 * Only the one top-level field is read token by token (embeddings, the bulk of a body, are
 * skipped by a regular-expression walk over brackets and quotes); the body was already checked by
 * json-text.ts, so nesting is bounded and strings are well formed.
 */

/** Per record, the metadata keys whose numbers are floats; `undefined` where there are none. */
export type FloatKeys = (string[] | undefined)[];

/**
 * The float keys of each metadata in the top-level list field `field` of a JSON object text
 * (`metadatas` of add/upsert/update); undefined when the field is absent or not a list.
 * @param text - the request body's JSON text
 * @param field - the top-level key
 */
export function metadataFloatKeys(text: string, field: string): FloatKeys | undefined {
  const start = topLevelValueStart(text, field);
  if (start === undefined) return undefined;
  const reader = new TokenReader(text, start);
  const list = reader.value();
  if (list.kind !== 'array') return undefined;
  return list.items.map((item) => {
    if (item.kind !== 'object') return undefined;
    const keys = item.entries.filter(([, v]) => isFloat(v)).map(([k]) => k);
    return keys.length > 0 ? keys : undefined;
  });
}

/**
 * The float keys of one metadata object that is the value of the top-level key `field`
 * (`metadata` of a collection).
 * @param text - the request body's JSON text
 * @param field - the top-level key
 */
export function objectFloatKeys(text: string, field: string): string[] | undefined {
  const start = topLevelValueStart(text, field);
  if (start === undefined) return undefined;
  const value = new TokenReader(text, start).value();
  if (value.kind !== 'object') return undefined;
  const keys = value.entries.filter(([, v]) => isFloat(v)).map(([k]) => k);
  return keys.length > 0 ? keys : undefined;
}

type Node =
  | { kind: 'number'; float: boolean }
  | { kind: 'array'; items: Node[] }
  | { kind: 'object'; entries: [string, Node][] }
  | { kind: 'other' };

function isFloat(node: Node): boolean {
  if (node.kind === 'number') return node.float;
  return node.kind === 'array' && node.items.some((n) => n.kind === 'number' && n.float);
}

/** Where the value of top-level key `field` starts, skipping every other value by its brackets. */
function topLevelValueStart(text: string, field: string): number | undefined {
  const structure = /["[\]{}]/g;
  let depth = 0;
  for (let m = structure.exec(text); m !== null; m = structure.exec(text)) {
    const c = m[0];
    if (c === '"') {
      const end = stringEnd(text, m.index);
      structure.lastIndex = end;
      if (depth !== 1) continue;
      const colon = /^\s*:/.exec(text.slice(end, end + 64));
      if (colon && (JSON.parse(text.slice(m.index, end)) as string) === field) {
        return end + colon[0].length;
      }
    } else if (c === '[' || c === '{') {
      depth++;
    } else {
      depth--;
    }
  }
  return undefined;
}

/** The index after the closing quote of the string starting at `open`. */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let slashes = 0;
    for (let j = quote - 1; j > open && text.charCodeAt(j) === 0x5c; j--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** A reader of one JSON value that keeps only what float detection needs. */
class TokenReader {
  constructor(
    private readonly text: string,
    private pos: number,
  ) {}

  value(): Node {
    this.space();
    const c = this.text[this.pos];
    if (c === '[') {
      this.pos++;
      const items: Node[] = [];
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(this.value());
        this.space();
        if (this.text[this.pos++] !== ',') return { kind: 'array', items };
      }
    }
    if (c === '{') {
      this.pos++;
      const entries: [string, Node][] = [];
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      for (;;) {
        this.space();
        const end = stringEnd(this.text, this.pos);
        const key = JSON.parse(this.text.slice(this.pos, end)) as string;
        this.pos = end;
        this.space();
        this.pos++; // :
        entries.push([key, this.value()]);
        this.space();
        if (this.text[this.pos++] !== ',') return { kind: 'object', entries };
      }
    }
    if (c === '"') {
      this.pos = stringEnd(this.text, this.pos);
      return { kind: 'other' };
    }
    const token = /^-?[0-9][0-9.eE+-]*|^[a-z]+/.exec(this.text.slice(this.pos, this.pos + 400));
    const word = token?.[0] ?? '';
    this.pos += Math.max(word.length, 1);
    return /^-?[0-9]/.test(word)
      ? { kind: 'number', float: /[.eE]/.test(word) }
      : { kind: 'other' };
  }

  private space(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }
}
