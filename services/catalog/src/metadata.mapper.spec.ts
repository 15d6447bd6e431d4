import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { MetadataSchema, type Metadata, type MetadataValueSchema } from '@huedb/proto/common';
import { describe, expect, it } from 'vitest';
import { MetadataError, metadataFromJson, metadataToJson } from './metadata.mapper.js';

type KindInit = NonNullable<MessageInitShape<typeof MetadataValueSchema>['kind']>;

type ValueInit = MessageInitShape<typeof MetadataValueSchema>;

function metadata(init: { fields?: Record<string, ValueInit> }): Metadata {
  const entries = Object.entries(init.fields ?? {}).map(([key, value]) => ({ key, value }));
  return create(MetadataSchema, { entries });
}

function field(m: Metadata, key: string) {
  return m.entries.find((e) => e.key === key)?.value;
}

/** What jsonb prints for a stored document: sorted keys, ", " and ": " separators, numerics. */
function asJsonbWouldPrint(text: string): string {
  return text.replaceAll(',', ', ').replaceAll('":', '": ');
}

describe('collection metadata ↔ stored JSON', () => {
  const sample = metadata({
    fields: {
      s: { kind: { case: 'stringValue', value: 'héllo "quoted" \\ \n ✓' } },
      i: { kind: { case: 'intValue', value: 7n } },
      imax: { kind: { case: 'intValue', value: 9223372036854775807n } },
      imin: { kind: { case: 'intValue', value: -9223372036854775808n } },
      f: { kind: { case: 'floatValue', value: 1 } },
      fbig: { kind: { case: 'floatValue', value: 1e300 } },
      ftiny: { kind: { case: 'floatValue', value: 5e-324 } },
      fneg: { kind: { case: 'floatValue', value: -2.5 } },
      b: { kind: { case: 'boolValue', value: false } },
      sl: { kind: { case: 'stringList', value: { values: ['a', 'b'] } } },
      il: { kind: { case: 'intList', value: { values: [1n, -2n] } } },
      fl: { kind: { case: 'floatList', value: { values: [1, 2.5] } } },
      bl: { kind: { case: 'boolList', value: { values: [true, false] } } },
    },
  });

  it('writes integral floats with a fraction so they stay floats', () => {
    const text = metadataToJson(sample);
    expect(text).toContain('"f":1.0');
    expect(text).toContain('"fl":[1.0,2.5]');
    expect(text).toContain('"i":7');
    expect(JSON.parse(text)).toMatchObject({ s: 'héllo "quoted" \\ \n ✓', b: false });
  });

  it('round-trips every kind, ints and floats apart, int64 exact', () => {
    const back = metadataFromJson(metadataToJson(sample));
    expect(back).toEqual(sample);
  });

  it('reads the form jsonb prints (spaces, numerics without exponent)', () => {
    const printed = asJsonbWouldPrint('{"a":1.0,"b":100000000000000000000.0,"c":0.0000001,"d":3}');
    const back = metadataFromJson(printed);
    expect(field(back, 'a')!.kind).toEqual({ case: 'floatValue', value: 1 });
    expect(field(back, 'b')!.kind).toEqual({ case: 'floatValue', value: 1e20 });
    expect(field(back, 'c')!.kind).toEqual({ case: 'floatValue', value: 1e-7 });
    expect(field(back, 'd')!.kind).toEqual({ case: 'intValue', value: 3n });
  });

  it('treats a number list with any float as a float list', () => {
    const back = metadataFromJson('{"l": [1, 2.5]}');
    expect(field(back, 'l')!.kind.case).toBe('floatList');
  });

  it('round-trips empty metadata', () => {
    expect(metadataToJson(metadata({}))).toBe('{}');
    expect(metadataFromJson('{}')).toEqual(metadata({}));
  });

  const unstorable: [string, KindInit][] = [
    ['a deletion marker', { case: 'deleted', value: true }],
    ['an unset value', { case: undefined }],
    ['an empty list', { case: 'intList', value: { values: [] } }],
    ['NaN', { case: 'floatValue', value: Number.NaN }],
    ['Infinity', { case: 'floatValue', value: Number.POSITIVE_INFINITY }],
  ];
  it.each(unstorable)('refuses to store %s', (_what, kind) => {
    expect(() => metadataToJson(metadata({ fields: { k: { kind } } }))).toThrow(MetadataError);
  });

  it.each([
    ['not an object', '[1]'],
    ['a null value', '{"a": null}'],
    ['a nested object', '{"a": {"b": 1}}'],
    ['a mixed list', '{"a": [1, "x"]}'],
    ['an int beyond int64', '{"a": 9223372036854775808}'],
    ['malformed JSON', '{"a": 1'],
    ['trailing characters', '{"a": 1} x'],
  ])('rejects stored text with %s', (_what, text) => {
    expect(() => metadataFromJson(text)).toThrow();
  });
});
