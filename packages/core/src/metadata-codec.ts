import { create } from '@bufbuild/protobuf';
import {
  BoolListSchema,
  FloatListSchema,
  IntListSchema,
  MetadataEntrySchema,
  MetadataSchema,
  MetadataValueSchema,
  StringListSchema,
  type Metadata as ProtoMetadata,
  type MetadataValue as ProtoMetadataValue,
} from '@huedb/proto/common';
import { InternalError, InvalidArgumentError } from './errors.js';
import { nullObject } from './own.js';
import type { Metadata, MetadataValue, UpdateMetadata, UpdateMetadataValue } from './types.js';

/**
 * JSON metadata ↔ proto `huedb.common.v1.Metadata`. A number that is a safe integer
 * (`Number.isSafeInteger`) travels as `int_value` (int64, a bigint in TS), any other finite number
 * as `float_value`; an array of numbers is an `int_list` when every element is a safe integer,
 * else a `float_list`. JS numbers cannot tell `1.0` from `1`, so callers that know better (the
 * gateway reads the request's number tokens) name the keys whose numbers are floats
 * (`floatKeys`): those travel as floats even when integral, and {@link integralFloatKeys} finds
 * them again in a decoded proto. `null` in update metadata travels as `deleted: true`. Decoding
 * turns int64 back into a number (exact up to 2^53).
 *
 * Encoding assumes validated input (see validation.ts) but still refuses what the proto cannot
 * hold faithfully — non-finite numbers, empty or mixed arrays, other JSON types — with
 * InvalidArgumentError, so a bug cannot write garbage to the log. Every key is allowed, including
 * `__proto__` and `constructor`: the proto holds metadata as a list of entries (not a protobuf-es
 * map, which is a plain object), and decoding builds prototype-less objects.
 */

function encodeNumberList(
  values: number[],
  key: string,
  asFloat: boolean,
): ProtoMetadataValue['kind'] {
  if (!asFloat && values.every(Number.isSafeInteger)) {
    return {
      case: 'intList',
      value: create(IntListSchema, { values: values.map((v) => BigInt(v)) }),
    };
  }
  if (!values.every(Number.isFinite)) {
    throw new InvalidArgumentError(`Metadata value for key '${key}' holds a non-finite number`);
  }
  return { case: 'floatList', value: create(FloatListSchema, { values: [...values] }) };
}

/**
 * One JSON metadata value (or `null` = delete, in update metadata) as a proto MetadataValue.
 * @param value - the value
 * @param key - its key, for messages
 * @param asFloat - numbers are floats even when integral (the client wrote `1.0`)
 */
export function metadataValueToProto(
  value: UpdateMetadataValue,
  key = '',
  asFloat = false,
): ProtoMetadataValue {
  let kind: ProtoMetadataValue['kind'];
  if (value === null) {
    kind = { case: 'deleted', value: true };
  } else if (typeof value === 'string') {
    kind = { case: 'stringValue', value };
  } else if (typeof value === 'boolean') {
    kind = { case: 'boolValue', value };
  } else if (typeof value === 'number') {
    if (!asFloat && Number.isSafeInteger(value)) kind = { case: 'intValue', value: BigInt(value) };
    else if (Number.isFinite(value)) kind = { case: 'floatValue', value };
    else throw new InvalidArgumentError(`Metadata value for key '${key}' is not a finite number`);
  } else if (Array.isArray(value) && value.length > 0) {
    const arr: unknown[] = value;
    const first = typeof arr[0];
    if (!arr.every((x) => typeof x === first)) {
      throw new InvalidArgumentError(`Metadata list for key '${key}' mixes types`);
    }
    if (first === 'string') {
      kind = {
        case: 'stringList',
        value: create(StringListSchema, { values: [...(arr as string[])] }),
      };
    } else if (first === 'boolean') {
      kind = {
        case: 'boolList',
        value: create(BoolListSchema, { values: [...(arr as boolean[])] }),
      };
    } else if (first === 'number') {
      kind = encodeNumberList(arr as number[], key, asFloat);
    } else {
      throw new InvalidArgumentError(`Metadata list for key '${key}' holds ${first} values`);
    }
  } else {
    throw new InvalidArgumentError(
      `Metadata value for key '${key}' must be a str, int, float, bool or a non-empty list of one of those`,
    );
  }
  return create(MetadataValueSchema, { kind });
}

/**
 * A proto MetadataValue as JSON; `deleted` becomes `null`. Throws InternalError for an unset
 * value, which no HueDB service writes.
 * @param value - the proto value
 */
export function metadataValueFromProto(value: ProtoMetadataValue): UpdateMetadataValue {
  const kind = value.kind;
  switch (kind.case) {
    case 'stringValue':
    case 'floatValue':
    case 'boolValue':
      return kind.value;
    case 'intValue':
      return Number(kind.value);
    case 'stringList':
    case 'floatList':
    case 'boolList':
      return [...kind.value.values] as MetadataValue;
    case 'intList':
      return kind.value.values.map(Number);
    case 'deleted':
      return null;
    case undefined:
      throw new InternalError('Metadata value with no kind set');
  }
}

/**
 * Update (or upsert) metadata as proto; `null` values become `deleted: true`. Entries keep the
 * object's key order.
 * @param metadata - the JSON metadata
 * @param floatKeys - keys whose numbers are floats even when integral
 */
export function updateMetadataToProto(
  metadata: UpdateMetadata,
  floatKeys?: Iterable<string>,
): ProtoMetadata {
  const floats = new Set(floatKeys);
  const entries = Object.entries(metadata).map(([key, value]) =>
    create(MetadataEntrySchema, { key, value: metadataValueToProto(value, key, floats.has(key)) }),
  );
  return create(MetadataSchema, { entries });
}

/**
 * The keys of a proto metadata whose value is a float (or float list) of integral numbers: what a
 * JSON round trip would turn into ints. Empty for most metadata.
 * @param metadata - the proto metadata
 */
export function integralFloatKeys(metadata: ProtoMetadata): string[] {
  const keys: string[] = [];
  for (const { key, value } of metadata.entries) {
    const kind = value?.kind;
    if (
      (kind?.case === 'floatValue' && Number.isInteger(kind.value)) ||
      (kind?.case === 'floatList' && kind.value.values.every(Number.isInteger))
    ) {
      keys.push(key);
    }
  }
  return keys;
}

/**
 * Stored (add) metadata as proto. Same encoding as {@link updateMetadataToProto}; a `null` value
 * is refused (InvalidArgumentError), since only updates may delete keys.
 * @param metadata - the JSON metadata
 * @param floatKeys - keys whose numbers are floats even when integral
 */
export function metadataToProto(metadata: Metadata, floatKeys?: Iterable<string>): ProtoMetadata {
  for (const [key, value] of Object.entries(metadata) as [string, unknown][]) {
    if (value === null) {
      throw new InvalidArgumentError(`Metadata value for key '${key}' cannot be null`);
    }
  }
  return updateMetadataToProto(metadata, floatKeys);
}

/**
 * Proto update metadata as JSON (a prototype-less object); `deleted` values become `null`.
 * @param metadata - the proto metadata
 */
export function updateMetadataFromProto(metadata: ProtoMetadata): UpdateMetadata {
  const out = nullObject<UpdateMetadataValue>();
  for (const { key, value } of metadata.entries) {
    if (!value) throw new InternalError(`Metadata key '${key}' has no value`);
    // A repeated key (never written by HueDB) resolves as a decoded map would: the last wins.
    // `out` has no prototype: a plain assignment is an own property for any key.
    out[key] = metadataValueFromProto(value);
  }
  return out;
}

/**
 * Proto stored metadata as JSON. A `deleted` value is a broken invariant (stored metadata never
 * holds one) and throws InternalError.
 * @param metadata - the proto metadata
 */
export function metadataFromProto(metadata: ProtoMetadata): Metadata {
  const out = updateMetadataFromProto(metadata);
  for (const [key, value] of Object.entries(out)) {
    if (value === null) throw new InternalError(`Stored metadata key '${key}' is marked deleted`);
  }
  return out as Metadata;
}
