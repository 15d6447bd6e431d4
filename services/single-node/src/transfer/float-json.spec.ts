import { describe, expect, it } from 'vitest';
import {
  holdsIntegralNumber,
  isRawJson,
  parseKeepingFloats,
  parseObjectKeepingFloats,
  topLevelValueSpan,
} from './float-json.js';

describe('parseKeepingFloats', () => {
  it('keeps integral float tokens as their text and writes them back verbatim', () => {
    const text = '{"f":1.0,"i":1,"e":1e+20,"E":2E3,"n":-0.0,"x":1.5,"l":[1,2.0],"s":"1.0"}';
    const value = parseKeepingFloats(text) as Record<string, unknown>;
    expect(isRawJson(value.f)).toBe(true);
    expect(value.i).toBe(1);
    expect(value.x).toBe(1.5);
    expect(value.s).toBe('1.0');
    expect(JSON.stringify(value)).toBe(text);
  });

  it('keeps __proto__ an own key', () => {
    const value = parseKeepingFloats('{"__proto__":1.0}') as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":1.0}');
  });
});

describe('parseObjectKeepingFloats', () => {
  it('parses only the named field again, and only when it holds an integral number', () => {
    const text =
      '{"ids":["a","b"],"embeddings":[[1.0,2.0],[3,4]],"metadatas":[{"k":1.0,"j":2},null],"documents":["{\\"metadatas\\":[1.0]}",null]}';
    const page = parseObjectKeepingFloats(text, ['metadatas']);
    expect(JSON.stringify(page.metadatas)).toBe('[{"k":1.0,"j":2},null]');
    // Embeddings stay plain numbers: the reviver never ran over them.
    expect(page.embeddings).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const plain = parseObjectKeepingFloats('{"metadatas":[{"k":1.5}]}', ['metadatas']);
    expect(plain.metadatas).toEqual([{ k: 1.5 }]);
  });

  it('refuses a text that is not an object', () => {
    expect(() => parseObjectKeepingFloats('[1]', ['x'])).toThrow(/expected a JSON object/);
  });
});

describe('topLevelValueSpan', () => {
  const text = '{"a":{"metadatas":[9]}, "s" : "x\\"]}", "metadatas" : [{"k":[1.0]}], "z":null}';
  it('finds the top-level key, not a nested one or one inside a string', () => {
    const span = topLevelValueSpan(text, 'metadatas')!;
    expect(text.slice(...span)).toBe('[{"k":[1.0]}]');
    expect(text.slice(...topLevelValueSpan(text, 's')!)).toBe('"x\\"]}"');
    expect(text.slice(...topLevelValueSpan(text, 'z')!)).toBe('null');
    expect(topLevelValueSpan(text, 'k')).toBeUndefined();
  });
});

describe('holdsIntegralNumber', () => {
  it('looks through lists and objects', () => {
    expect(holdsIntegralNumber([null, { a: 'x', b: [1.5, 2] }])).toBe(true);
    expect(holdsIntegralNumber([null, { a: 'x', b: [1.5] }, true])).toBe(false);
  });
});
