import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MetadataSchema, MetadataValueSchema } from '@huedb/proto/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InternalError, InvalidArgumentError } from './errors.js';
import {
  integralFloatKeys,
  metadataFromProto,
  metadataToProto,
  metadataValueFromProto,
  metadataValueToProto,
  updateMetadataFromProto,
  updateMetadataToProto,
} from './metadata-codec.js';
import type { Metadata, MetadataValue, UpdateMetadata } from './types.js';

// -0 becomes 0 through int64, which is fine for JSON; keep it out of equality checks.
const number = fc.oneof(
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
);
const valueArb: fc.Arbitrary<MetadataValue> = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  number,
  fc.boolean(),
  fc.array(fc.string(), { minLength: 1, maxLength: 4 }),
  fc.array(number, { minLength: 1, maxLength: 4 }),
  fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
);
const keyArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'toString'),
);
const metadataArb: fc.Arbitrary<Metadata> = fc.dictionary(keyArb, valueArb, { maxKeys: 6 });
const updateArb: fc.Arbitrary<UpdateMetadata> = fc.dictionary(keyArb, fc.option(valueArb), {
  maxKeys: 6,
});

/** Through the wire and back, as a service would see it. */
const overWire = (m: ReturnType<typeof metadataToProto>) =>
  fromBinary(MetadataSchema, toBinary(MetadataSchema, m));

describe('metadata codec', () => {
  it('encodes integers as int64 and other numbers as doubles', () => {
    expect(metadataValueToProto(3).kind).toEqual({ case: 'intValue', value: 3n });
    expect(metadataValueToProto(2.5).kind).toEqual({ case: 'floatValue', value: 2.5 });
    expect(metadataValueToProto(2 ** 60).kind).toEqual({ case: 'floatValue', value: 2 ** 60 });
    expect(metadataValueToProto('s').kind).toEqual({ case: 'stringValue', value: 's' });
    expect(metadataValueToProto(false).kind).toEqual({ case: 'boolValue', value: false });
    expect(metadataValueToProto(null).kind).toEqual({ case: 'deleted', value: true });
    expect(metadataValueToProto([1, 2]).kind.case).toBe('intList');
    expect(metadataValueToProto([1, 2.5]).kind.case).toBe('floatList');
    expect(metadataValueToProto(['a']).kind.case).toBe('stringList');
    expect(metadataValueToProto([true]).kind.case).toBe('boolList');
  });

  it('decodes int64 back to numbers', () => {
    const proto = overWire(metadataToProto({ n: -7, l: [1, 9007199254740991] }));
    expect(metadataFromProto(proto)).toEqual({ n: -7, l: [1, 9007199254740991] });
    expect(typeof metadataFromProto(proto)['n']).toBe('number');
  });

  it('round-trips stored metadata through protobuf binary', () => {
    fc.assert(
      fc.property(metadataArb, (m) => {
        expect(metadataFromProto(overWire(metadataToProto(m)))).toEqual(m);
      }),
    );
  });

  it('round-trips update metadata, null meaning delete', () => {
    fc.assert(
      fc.property(updateArb, (m) => {
        expect(updateMetadataFromProto(overWire(updateMetadataToProto(m)))).toEqual(m);
      }),
    );
    expect(overWire(updateMetadataToProto({ gone: null })).entries[0]?.value?.kind).toEqual({
      case: 'deleted',
      value: true,
    });
  });

  it('keeps every key, __proto__ and Object.prototype member names included', () => {
    const input = JSON.parse(
      '{"__proto__": "x", "constructor": 1, "toString": true, "hasOwnProperty": [1, 2]}',
    ) as Metadata;
    const back = metadataFromProto(overWire(metadataToProto(input)));
    expect(Object.getPrototypeOf(back)).toBeNull();
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(JSON.stringify(back)).toBe(
      '{"__proto__":"x","constructor":1,"toString":true,"hasOwnProperty":[1,2]}',
    );
    const update = JSON.parse('{"__proto__": null}') as UpdateMetadata;
    expect(
      Object.entries(updateMetadataFromProto(overWire(updateMetadataToProto(update)))),
    ).toEqual([['__proto__', null]]);
  });

  it('encodes the named keys as floats even when integral, and finds them again', () => {
    const proto = overWire(
      metadataToProto({ f: 1, i: 1, l: [1, 2], big: 1e20, half: 0.5 }, ['f', 'l']),
    );
    expect(proto.entries.map((e) => e.value?.kind.case)).toEqual([
      'floatValue',
      'intValue',
      'floatList',
      'floatValue',
      'floatValue',
    ]);
    expect(integralFloatKeys(proto)).toEqual(['f', 'l', 'big']);
    expect(metadataFromProto(proto)).toEqual({ f: 1, i: 1, l: [1, 2], big: 1e20, half: 0.5 });
  });

  it('decodes what the former map encoding wrote (same wire format)', () => {
    // The field as `map<string, MetadataValue> fields = 1`: entries {1: key, 2: value}.
    const value = toBinary(
      MetadataValueSchema,
      create(MetadataValueSchema, metadataValueToProto('v')),
    );
    const entry = [0x0a, 1, 0x6b /* "k" */, 0x12, value.length, ...value];
    const back = metadataFromProto(
      fromBinary(MetadataSchema, new Uint8Array([0x0a, entry.length, ...entry])),
    );
    expect(back).toEqual({ k: 'v' });
  });

  it('refuses what the proto cannot hold faithfully', () => {
    expect(() => metadataValueToProto(NaN)).toThrow(InvalidArgumentError);
    expect(() => metadataValueToProto([])).toThrow(InvalidArgumentError);
    expect(() => metadataValueToProto([1, 'a'] as unknown as MetadataValue)).toThrow('mixes types');
    expect(() => metadataValueToProto([1, Infinity])).toThrow(InvalidArgumentError);
    expect(() => metadataValueToProto({} as unknown as MetadataValue)).toThrow(
      InvalidArgumentError,
    );
    expect(() => metadataToProto({ k: null } as unknown as Metadata)).toThrow('cannot be null');
  });

  it('treats deleted values in stored metadata and unset values as broken invariants', () => {
    expect(() => metadataFromProto(updateMetadataToProto({ k: null }))).toThrow(InternalError);
    expect(() => metadataValueFromProto(create(MetadataValueSchema))).toThrow(InternalError);
  });
});
