import { InvalidArgumentError, UnprocessableEntityError } from '../errors.js';
import { nullObject, setOwn } from '../own.js';
import type { Metadata, MetadataValue, UpdateMetadata, UpdateMetadataValue } from '../types.js';
import { isPlainObject, typeName } from './json-type.js';
import { assertWithinLimit, Usage, type Limits } from './limits.js';

/**
 * Checks a metadata key: non-empty, not starting with `#` or `$` (Chroma's messages). Any other
 * key is valid, `__proto__`, `constructor` and `toString` included, as in Chroma.
 * @param key - the key
 */
export function validateMetadataKey(key: string): void {
  if (key.length === 0) throw new InvalidArgumentError('Metadata key cannot be empty');
  if (key.startsWith('#') || key.startsWith('$')) {
    throw new InvalidArgumentError(`Metadata key cannot start with '#' or '$': ${key}`);
  }
}

/** Where a metadata comes from, for messages. */
export interface MetadataContext {
  /** The API action for quota messages, e.g. `Add`. */
  action?: string;
  /** The record's position in the batch. */
  index?: number;
}

function checkMetadataValue(
  key: string,
  value: unknown,
  allowNull: boolean,
  limits: Limits | undefined,
  context: MetadataContext,
): MetadataValue | null {
  const where = context.index === undefined ? '' : ` at index ${context.index}`;
  const checkBytes = (bytes: number) => {
    if (limits) {
      assertWithinLimit(
        Usage.metadataValueBytes,
        context.action ?? 'Add',
        bytes,
        limits.maxMetadataValueBytes,
      );
    }
  };
  if (value === null) {
    if (allowNull) return null;
    throw new UnprocessableEntityError(
      `Expected metadata value for key '${key}'${where} to be a str, int, float, bool or list, got null`,
    );
  }
  if (typeof value === 'string') {
    checkBytes(Buffer.byteLength(value, 'utf8'));
    return value;
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidArgumentError(`Metadata value for key '${key}'${where} must be finite`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      throw new InvalidArgumentError(
        `Expected metadata list value for key '${key}'${where} to be non-empty`,
      );
    }
    const first = typeof value[0];
    const ok =
      (first === 'string' || first === 'number' || first === 'boolean') &&
      value.every((x) => typeof x === first && (first !== 'number' || Number.isFinite(x)));
    if (!ok) {
      throw new UnprocessableEntityError(
        `Expected metadata list value for key '${key}'${where} to contain only str, int, float, ` +
          'or bool and all elements must be the same type',
      );
    }
    if (first === 'string') {
      checkBytes((value as string[]).reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0));
    }
    return [...(value as string[] | number[] | boolean[])] as MetadataValue;
  }
  throw new UnprocessableEntityError(
    `Expected metadata value for key '${key}'${where} to be a str, int, float, bool or list, got ${typeName(value)}`,
  );
}

function checkMetadata(
  metadata: unknown,
  allowNull: boolean,
  limits: Limits | undefined,
  context: MetadataContext,
): UpdateMetadata {
  if (!isPlainObject(metadata)) {
    const where = context.index === undefined ? '' : ` at index ${context.index}`;
    throw new UnprocessableEntityError(
      `Expected metadata${where} to be a dict, got ${typeName(metadata)}`,
    );
  }
  const keys = Object.keys(metadata);
  if (limits) {
    assertWithinLimit(
      Usage.metadataKeys,
      context.action ?? 'Add',
      keys.length,
      limits.maxMetadataKeys,
    );
  }
  const out = nullObject<UpdateMetadataValue>();
  for (const key of keys) {
    validateMetadataKey(key);
    setOwn(out, key, checkMetadataValue(key, metadata[key], allowNull, limits, context));
  }
  return out;
}

/**
 * Checks one record's metadata (add) and returns a copy: a JSON object (else 422) whose keys pass
 * {@link validateMetadataKey} and whose values are str/int/float/bool or non-empty homogeneous
 * lists of one of those (empty list → 400; null, mixed lists, objects → 422). An empty object is
 * allowed (Chroma's server takes it; it reads back as null). With `limits`, enforces the key count
 * and string sizes (QuotaExceededError).
 * @param metadata - the JSON value
 * @param limits - the plan's limits, if they are to be enforced
 * @param context - action and index, for messages
 */
export function validateMetadata(
  metadata: unknown,
  limits?: Limits,
  context: MetadataContext = {},
): Metadata {
  return checkMetadata(metadata, false, limits, context) as Metadata;
}

/**
 * Like {@link validateMetadata}, for update and upsert metadata, where a `null` value (delete the
 * key) is allowed.
 * @param metadata - the JSON value
 * @param limits - the plan's limits, if they are to be enforced
 * @param context - action and index, for messages
 */
export function validateUpdateMetadata(
  metadata: unknown,
  limits?: Limits,
  context: MetadataContext = {},
): UpdateMetadata {
  return checkMetadata(metadata, true, limits, context);
}

/**
 * Checks a collection's metadata (create, or PUT's `new_metadata`) and returns a copy: a
 * non-empty JSON object ("Metadata cannot be empty") with valid keys and str/int/float/bool values.
 * @param metadata - the JSON value
 */
export function validateCollectionMetadata(metadata: unknown): Metadata {
  const out = validateMetadata(metadata);
  const keys = Object.keys(out);
  if (keys.length === 0) throw new InvalidArgumentError('Metadata cannot be empty');
  for (const key of keys) {
    if (Array.isArray(out[key])) {
      throw new InvalidArgumentError(
        `Expected collection metadata value for key '${key}' to be a str, int, float or bool`,
      );
    }
  }
  return out;
}
