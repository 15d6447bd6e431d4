import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  MetadataSchema,
  MetadataValueSchema,
  type Metadata,
  type MetadataValue,
} from '@huedb/proto/common';

/**
 * Collection metadata ↔ the JSON text stored in `collections.metadata` (jsonb).
 *
 * The stored form is a plain JSON object (readable in psql), but Chroma keeps ints and floats
 * apart, and JSON.parse/JSON.stringify do not: 1.0 would come back as the int 1. So this module
 * writes and reads the text itself. Floats are always written with a fraction or exponent
 * (`1.0`, `1e-7`), which jsonb's numeric type preserves (it prints `1.0`, `0.0000001`); a number
 * token with `.`, `e` or `E` reads back as a float, any other as an int. Ints travel as exact
 * decimal strings, so the whole int64 range round-trips.
 */

/** A request's metadata cannot be stored as given. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Encodes metadata as JSON text for a jsonb column. Throws MetadataError on a value Chroma never stores. */
export function metadataToJson(metadata: Metadata): string {
  const entries = metadata.entries.map(({ key, value }) => {
    if (!value) throw new MetadataError(`metadata key [${key}] has no value`);
    return `${JSON.stringify(key)}:${valueToJson(key, value)}`;
  });
  return `{${entries.join(',')}}`;
}

function valueToJson(key: string, value: MetadataValue): string {
  const kind = value.kind;
  switch (kind.case) {
    case 'stringValue':
      return JSON.stringify(kind.value);
    case 'intValue':
      return kind.value.toString();
    case 'floatValue':
      return floatToJson(key, kind.value);
    case 'boolValue':
      return kind.value ? 'true' : 'false';
    case 'stringList':
      return listToJson(key, kind.value.values, (s) => JSON.stringify(s));
    case 'intList':
      return listToJson(key, kind.value.values, (n) => n.toString());
    case 'floatList':
      return listToJson(key, kind.value.values, (n) => floatToJson(key, n));
    case 'boolList':
      return listToJson(key, kind.value.values, (b) => (b ? 'true' : 'false'));
    case 'deleted':
      throw new MetadataError(`metadata key [${key}]: a deletion marker cannot be stored`);
    case undefined:
      throw new MetadataError(`metadata key [${key}] has no value`);
  }
}

function floatToJson(key: string, n: number): string {
  if (!Number.isFinite(n)) {
    throw new MetadataError(`metadata key [${key}]: ${n} is not a finite number`);
  }
  // An integral double is exactly representable as a decimal integer; append a fraction so it
  // stays a float. (-0.0 becomes 0.0: numeric has no negative zero.)
  if (Number.isInteger(n)) return `${BigInt(n).toString()}.0`;
  // Otherwise JS's shortest round-trip form already has a '.' or an exponent.
  return JSON.stringify(n);
}

function listToJson<T>(key: string, values: readonly T[], item: (v: T) => string): string {
  if (values.length === 0) {
    throw new MetadataError(`metadata key [${key}]: an empty list cannot be stored`);
  }
  return `[${values.map(item).join(',')}]`;
}

/**
 * Decodes metadata from the text of a jsonb column (select it as `metadata::text`: a driver that
 * parses jsonb itself would lose the int/float distinction). Throws on anything
 * {@link metadataToJson} cannot have written.
 */
export function metadataFromJson(text: string): Metadata {
  const parsed = new JsonReader(text).document();
  if (!isObject(parsed)) throw new Error('stored metadata is not a JSON object');
  const entries = Object.entries(parsed).map(([key, value]) => ({
    key,
    value: create(MetadataValueSchema, { kind: storedValue(key, value) }),
  }));
  return create(MetadataSchema, { entries });
}

type Json = string | boolean | null | JsonNumber | Json[] | { [key: string]: Json };

/** A number token, kept as written so ints and floats stay apart and int64 stays exact. */
class JsonNumber {
  constructor(readonly text: string) {}
  get isFloat(): boolean {
    return /[.eE]/.test(this.text);
  }
}

/** `obj[key] = value`, also for the key `__proto__` (an assignment would set the prototype). */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isNumber(value);
}

function isNumber(value: Json): value is JsonNumber {
  return value instanceof JsonNumber;
}

type ValueKind = MessageInitShape<typeof MetadataValueSchema>['kind'];

function storedValue(key: string, value: Json): ValueKind {
  if (typeof value === 'string') return { case: 'stringValue', value };
  if (typeof value === 'boolean') return { case: 'boolValue', value };
  if (isNumber(value)) {
    return value.isFloat
      ? { case: 'floatValue', value: Number(value.text) }
      : { case: 'intValue', value: toInt64(key, value.text) };
  }
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((v) => typeof v === 'string')) {
      return { case: 'stringList', value: { values: value } };
    }
    if (value.every((v) => typeof v === 'boolean')) {
      return { case: 'boolList', value: { values: value } };
    }
    if (value.every(isNumber)) {
      return value.some((v) => v.isFloat)
        ? { case: 'floatList', value: { values: value.map((v) => Number(v.text)) } }
        : { case: 'intList', value: { values: value.map((v) => toInt64(key, v.text)) } };
    }
  }
  throw new Error(`stored metadata key [${key}] holds a value Chroma metadata cannot have`);
}

function toInt64(key: string, text: string): bigint {
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) {
    throw new Error(`stored metadata key [${key}]: ${text} is outside int64`);
  }
  return n;
}

/**
 * A strict reader of one JSON document that keeps number tokens as text. Strings are decoded by
 * JSON.parse on the token's exact span, so escapes follow the standard to the letter.
 */
class JsonReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): Json {
    const value = this.value();
    this.space();
    if (this.pos !== this.text.length) this.fail('trailing characters');
    return value;
  }

  private value(): Json {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail('unexpected character');
    this.pos += match[0].length;
    return new JsonNumber(match[0]);
  }

  private object(): { [key: string]: Json } {
    const result: { [key: string]: Json } = {};
    this.pos++; // {
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.space();
      const key = this.string();
      this.space();
      this.expect(':');
      setOwn(result, key, this.value());
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      this.expect(',');
    }
  }

  private array(): Json[] {
    const result: Json[] = [];
    this.pos++; // [
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      this.expect(',');
    }
  }

  private string(): string {
    if (this.text[this.pos] !== '"') this.fail('expected a string');
    let end = this.pos + 1;
    while (end < this.text.length && this.text[end] !== '"') {
      end += this.text[end] === '\\' ? 2 : 1;
    }
    if (end >= this.text.length) this.fail('unterminated string');
    const token = this.text.slice(this.pos, end + 1);
    this.pos = end + 1;
    return JSON.parse(token) as string;
  }

  private space(): void {
    while (/[ \t\n\r]/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) this.fail(`expected '${c}'`);
    this.pos++;
  }

  private fail(what: string): never {
    throw new Error(`stored metadata is not valid JSON: ${what} at offset ${this.pos}`);
  }
}
