import { describe, expect, it } from 'vitest';
import { metadataFloatKeys, objectFloatKeys } from './float-tokens.js';

describe('metadataFloatKeys', () => {
  it('finds the keys written as floats, per record', () => {
    const text = `{"ids": ["a", "b", "c"], "embeddings": [[1.0, 2], [3, {"x": 1.0}], [5, 6]],
      "documents": ["\\"metadatas\\": [{\\"f\\": 1.0}]", null, "z"],
      "metadatas": [{"f": 1.0, "i": 1, "e": 2E3, "s": "1.0", "l": [1, 2.0], "m": [1, 2]},
                    null, {"k": -0.0, "n": {"nested": 1.0}}]}`;
    expect(metadataFloatKeys(text, 'metadatas')).toEqual([['f', 'e', 'l'], undefined, ['k']]);
  });

  it('is undefined when the field is absent or not a list, and reads keys with escapes', () => {
    expect(metadataFloatKeys('{"ids": ["a"], "x": {"metadatas": [{"f": 1.0}]}}', 'metadatas')).toBe(
      undefined,
    );
    expect(metadataFloatKeys('{"metadatas": null}', 'metadatas')).toBeUndefined();
    expect(
      metadataFloatKeys('{"metadatas": [{"a\\"b": 1.5e0, "__proto__": 2.0}]}', 'metadatas'),
    ).toEqual([['a"b', '__proto__']]);
    expect(objectFloatKeys('{"name": "c", "metadata": {"f": 1.0, "i": 2}}', 'metadata')).toEqual([
      'f',
    ]);
  });
});
