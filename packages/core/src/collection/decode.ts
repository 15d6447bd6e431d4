import { UnprocessableEntityError } from '../errors.js';

/**
 * A small typed reader for the JSON of collection configurations and schemas. Chroma's server
 * decodes these bodies with serde and answers 422 `Failed to deserialize the JSON body into the
 * target type: <path>: <reason>` on a mismatch; the readers here produce the same paths and reasons
 * (without serde's `at line L column C` suffix: the gateway only sees the parsed body), so a client
 * that matches on Chroma's messages sees the same text from HueDB.
 *
 * Rules copied from serde's behaviour (probed on Chroma 1.5.9): fields are read in document order
 * and the first bad one wins; missing required fields are reported after the others, at the path of
 * the struct; `null` is "absent" for optional fields; structs that deny unknown fields name the
 * first unknown one and list what was expected.
 */

/** Throws Chroma's 422 for a body that does not deserialize. */
export function deserializeError(path: string, reason: string): never {
  throw new UnprocessableEntityError(
    `Failed to deserialize the JSON body into the target type: ${path ? `${path}: ` : ''}${reason}`,
  );
}

/** A JSON value as serde names it in `invalid type: <this>, expected ...`. */
export function unexpected(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}

/** serde's list of alternatives: `a`, `a` or `b`, one of `a`, `b`, `c`. */
export function alternatives(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  if (quoted.length === 1) return quoted[0]!;
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`;
  return `one of ${quoted.join(', ')}`;
}

/** The path of a field of the value at `path`. */
export function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A JSON object (a map), or the 422 serde gives for anything else. */
export function readObject(
  value: unknown,
  path: string,
  expected: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    deserializeError(path, `invalid type: ${unexpected(value)}, expected ${expected}`);
  }
  return value as Record<string, unknown>;
}

/** How one field of a struct is read: its accepted names and a reader. */
export interface FieldSpec<T> {
  /** The serialized name, then aliases (serde `alias`). */
  readonly names: readonly string[];
  /** Reads a present, non-null value (null is "absent" unless `nullable` is false). */
  readonly read: (value: unknown, path: string) => T;
  /** A required field: missing → `missing field`. Required fields also refuse null. */
  readonly required?: boolean;
}

type Specs = Record<string, FieldSpec<unknown>>;
type Decoded<S extends Specs> = {
  [K in keyof S]?: S[K] extends FieldSpec<infer T> ? T : never;
};

/**
 * Reads a struct. `denyUnknown` lists the expected names in serde's order for the message (the
 * struct has `#[serde(deny_unknown_fields)]`); without it unknown fields are ignored, as serde does.
 */
export function readStruct<S extends Specs>(
  value: unknown,
  path: string,
  structName: string,
  specs: S,
  options: { denyUnknown?: boolean } = {},
): Decoded<S> {
  const object = readObject(value, path, `struct ${structName}`);
  const byName = new Map<string, keyof S>();
  for (const [field, spec] of Object.entries(specs)) {
    for (const name of spec.names) byName.set(name, field);
  }
  const out: Decoded<S> = {};
  for (const [key, raw] of Object.entries(object)) {
    const field = byName.get(key);
    if (field === undefined) {
      if (options.denyUnknown) {
        const expected = Object.values(specs).map((s) => s.names[0]!);
        deserializeError(
          child(path, key),
          `unknown field \`${key}\`, ${expected.length === 0 ? 'there are no fields' : `expected ${alternatives(expected)}`}`,
        );
      }
      continue;
    }
    const spec = specs[field]!;
    if (raw === null && !spec.required) {
      delete out[field];
      continue;
    }
    out[field] = spec.read(raw, child(path, key)) as Decoded<S>[keyof S];
  }
  for (const [field, spec] of Object.entries(specs)) {
    if (spec.required && !(field in out)) {
      deserializeError(path, `missing field \`${spec.names[0]!}\``);
    }
  }
  return out;
}

/** An optional field (null or absent → undefined). */
export function field<T>(
  read: (value: unknown, path: string) => T,
  ...names: string[]
): FieldSpec<T> {
  return { names, read };
}

/** A required field (absent → `missing field`, null → `invalid type: null`). */
export function required<T>(
  read: (value: unknown, path: string) => T,
  ...names: string[]
): FieldSpec<T> {
  return { names, read, required: true };
}

/** serde's `bool`. */
export function readBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') {
    deserializeError(path, `invalid type: ${unexpected(value)}, expected a boolean`);
  }
  return value;
}

/** serde's `String`. */
export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    deserializeError(path, `invalid type: ${unexpected(value)}, expected a string`);
  }
  return value;
}

const MAX_U32 = 4_294_967_295;

/** An unsigned integer reader: `usize` (any non-negative safe integer) or `u32`. */
export function readUnsigned(kind: 'usize' | 'u32'): (value: unknown, path: string) => number {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      deserializeError(path, `invalid type: ${unexpected(value)}, expected ${kind}`);
    }
    if (value < 0 || (kind === 'u32' && value > MAX_U32)) {
      deserializeError(path, `invalid value: integer \`${value}\`, expected ${kind}`);
    }
    return value;
  };
}

/** A float reader (`f64` or `f32`): any JSON number. */
export function readFloat(kind: 'f64' | 'f32'): (value: unknown, path: string) => number {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      deserializeError(path, `invalid type: ${unexpected(value)}, expected ${kind}`);
    }
    return value;
  };
}

/** A unit-variant enum serialized as a string (serde `rename_all`). */
export function readVariant<V extends string>(
  variants: readonly V[],
): (value: unknown, path: string) => V {
  return (value, path) => {
    if (typeof value !== 'string') {
      deserializeError(path, `invalid type: ${unexpected(value)}, expected variant identifier`);
    }
    if (!(variants as readonly string[]).includes(value)) {
      deserializeError(path, `unknown variant \`${value}\`, expected ${alternatives(variants)}`);
    }
    return value as V;
  };
}

/** A map of string keys to values read by `read` (serde `HashMap<String, T>`). */
export function readMap<T>(
  read: (value: unknown, path: string) => T,
): (value: unknown, path: string) => Record<string, T> {
  return (value, path) => {
    const object = readObject(value, path, 'a map');
    const out: Record<string, T> = {};
    for (const [key, raw] of Object.entries(object)) out[key] = read(raw, child(path, key));
    return out;
  };
}
