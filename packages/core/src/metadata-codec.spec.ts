import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MetadataSchema, MetadataValueSchema } from '@huedb/proto/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InternalError, InvalidArgumentError } from './errors.js';
import {
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
const keyArb = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__');
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
    expect(overWire(updateMetadataToProto({ gone: null })).fields['gone']?.kind).toEqual({
      case: 'deleted',
      value: true,
    });
  });

  it('keeps keys that look like Object.prototype members, and refuses __proto__', () => {
    const back = metadataFromProto(overWire(metadataToProto({ constructor: 'c', toString: 1 })));
    expect(back).toEqual({ constructor: 'c', toString: 1 });
    const proto = JSON.parse('{"__proto__": 1}') as Metadata;
    expect(() => metadataToProto(proto)).toThrow("'__proto__' is not supported");
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
