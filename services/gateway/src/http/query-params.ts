import { InvalidArgumentError } from '@huedb/core';

/** Chroma's `limit` and `offset` query parameters are u32. */
export const U32_MAX = 4_294_967_295;

/**
 * A query-string integer (limit, offset, a time in ms); absent → undefined; anything else → 400
 * in the words of Chroma's query-string parser (Rust's `u32::from_str`): digits with an optional
 * `+`, no exponent, hex or spaces (all of which `Number()` would take), not empty, at most `max`.
 */
export function optionalInt(
  value: string | undefined,
  name: string,
  max: number = U32_MAX,
): number | undefined {
  if (value === undefined) return undefined;
  if (value === '') {
    throw new InvalidArgumentError(
      `Failed to deserialize query string: ${name}: cannot parse integer from empty string`,
    );
  }
  if (!/^\+?[0-9]+$/.test(value)) {
    throw new InvalidArgumentError(
      `Failed to deserialize query string: ${name}: invalid digit found in string`,
    );
  }
  const n = Number(value);
  if (n > max) {
    throw new InvalidArgumentError(
      `Failed to deserialize query string: ${name}: number too large to fit in target type`,
    );
  }
  return n;
}
