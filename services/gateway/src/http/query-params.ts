import { InvalidArgumentError } from '@huedb/core';

/** A query-string integer (limit, offset); absent → undefined; anything else → 400. */
export function optionalInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
  }
  return n;
}
