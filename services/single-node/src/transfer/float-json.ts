/**
 * JSON that keeps metadata floats floats. JSON.parse turns `1.0` and `1` into the same JS number,
 * but Chroma keeps them apart (an int and a float metadata value; a Python client reads the type
 * back), so a copy that re-sent `1.0` as `1` would change a value's type. Integral floats are
 * therefore read as `JSON.rawJSON("1.0")` values (Node ≥ 21: the reviver sees each number's source
 * text), which JSON.stringify writes back verbatim: a metadata read from one server, written to a
 * file and sent to another keeps its text, `1.0`, `1e+20` and all.
 *
 * The reviver is ~10× slower than plain JSON.parse, so a page of records is parsed plainly and
 * only its metadata field — never its embeddings, the bulk of the text — is parsed again, and only
 * when a metadata holds an integral number at all.
 */

/** What `JSON.rawJSON` makes: a value JSON.stringify writes as its text. */
export interface RawJsonValue {
  readonly rawJSON: string;
}

interface ReviverContext {
  source?: string;
}

/** The parts of the ES2025+ JSON API (source text access) that TypeScript's ES2023 lib lacks. */
const json = JSON as unknown as {
  rawJSON(text: string): RawJsonValue;
  isRawJSON(value: unknown): value is RawJsonValue;
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown,
  ): unknown;
};

function keepFloats(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value === 'number' && Number.isInteger(value) && context?.source !== undefined) {
    // A number token with a fraction or an exponent is a float, even when its value is integral.
    if (/[.eE]/.test(context.source)) return json.rawJSON(context.source);
  }
  return value;
}

/** JSON.parse, with integral float tokens (`1.0`) kept as raw JSON values. */
export function parseKeepingFloats(text: string): unknown {
  return json.parse(text, keepFloats);
}

/** Whether a value is an integral float kept by {@link parseKeepingFloats}. */
export function isRawJson(value: unknown): value is RawJsonValue {
  return json.isRawJSON(value);
}

/** A raw JSON value for a number's text, e.g. `rawJsonNumber("1.0")`. */
export function rawJsonNumber(text: string): RawJsonValue {
  return json.rawJSON(text);
}

/** Whether a parsed value holds an integral number somewhere (one that may have been `1.0`). */
export function holdsIntegralNumber(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value);
  if (Array.isArray(value)) return value.some(holdsIntegralNumber);
  if (value !== null && typeof value === 'object') {
    return Object.values(value).some(holdsIntegralNumber);
  }
  return false;
}

/**
 * Parses a JSON object text; the top-level `fields` (e.g. `metadatas`) are parsed again keeping
 * floats when plain parsing gave them an integral number.
 */
export function parseObjectKeepingFloats(text: string, fields: string[]): Record<string, unknown> {
  const parsed = JSON.parse(text) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SyntaxError('expected a JSON object');
  }
  const object = parsed as Record<string, unknown>;
  for (const field of fields) {
    if (!holdsIntegralNumber(object[field])) continue;
    const span = topLevelValueSpan(text, field);
    if (span) object[field] = parseKeepingFloats(text.slice(span[0], span[1]));
  }
  return object;
}

/**
 * Where the value of the top-level key `field` of a JSON object text starts and ends. The text
 * was parsed already, so it is well formed: a walk over quotes and brackets finds it.
 */
export function topLevelValueSpan(text: string, field: string): [number, number] | undefined {
  const structure = /["[\]{}]/g;
  let depth = 0;
  let start: number | undefined;
  for (let m = structure.exec(text); m !== null; m = structure.exec(text)) {
    const c = m[0];
    if (c === '"') {
      const end = stringEnd(text, m.index);
      structure.lastIndex = end;
      if (depth !== 1 || start !== undefined) continue;
      const colon = /^\s*:\s*/.exec(text.slice(end, end + 64));
      if (colon && (JSON.parse(text.slice(m.index, end)) as string) === field) {
        start = end + colon[0].length;
        if (text[start] === '"') return [start, stringEnd(text, start)];
        // A scalar value (null, a number) ends at the next comma or brace at this depth.
        if (!/[[{]/.test(text[start] ?? '')) {
          const scalar = /^[^,}\s]*/.exec(text.slice(start))![0];
          return [start, start + scalar.length];
        }
      }
    } else if (c === '[' || c === '{') {
      depth++;
    } else {
      depth--;
      if (start !== undefined && depth === 1) return [start, m.index + 1];
    }
  }
  return undefined;
}

/** The index after the closing quote of the string that opens at `open`. */
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
