import { describe, expect, it } from 'vitest';
import { jsonTextProblem, MAX_JSON_DEPTH } from './json-text.js';

const nested = (depth: number) => `{"x": ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('jsonTextProblem', () => {
  it('accepts ordinary JSON, brackets and escapes inside strings included', () => {
    expect(jsonTextProblem('{"a": [1, {"b": "[[{{"}], "c": "\\\\u0041 \\" \\ud83d\\ude00"}')).toBe(
      undefined,
    );
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
  });

  it("refuses nesting past serde_json's limit, where the limit is crossed", () => {
    // Chroma: `{"where": {"k": [[[...` fails at line 1 column 142.
    const text = `{"where": {"k": ${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    expect(jsonTextProblem(text)).toBe('recursion limit exceeded at line 1 column 142');
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH + 1))).toMatch(/^recursion limit exceeded/);
    expect(jsonTextProblem(`{\n"x":\n${'['.repeat(200)}`)).toBe(
      'recursion limit exceeded at line 3 column 127',
    );
  });

  it("refuses lone surrogate escapes with serde_json's messages and columns", () => {
    expect(jsonTextProblem('{"ids":["\\ud800"]}')).toBe(
      'unexpected end of hex escape at line 1 column 16',
    );
    expect(jsonTextProblem('{"ids":["\\udc00x"]}')).toBe(
      'lone leading surrogate in hex escape at line 1 column 15',
    );
    expect(jsonTextProblem('{"ids":["\\ud800\\u0041"]}')).toBe(
      'lone leading surrogate in hex escape at line 1 column 21',
    );
    expect(jsonTextProblem('{"\\uDBFF": 1}')).toMatch(/^unexpected end of hex escape/);
    // An escaped backslash followed by "ud800" is plain text.
    expect(jsonTextProblem('{"ids":["\\\\ud800"]}')).toBeUndefined();
  });

  it('scans a large body in linear time', () => {
    const body = JSON.stringify({
      ids: Array.from({ length: 20_000 }, (_, i) => `id-${i}`),
      documents: Array.from({ length: 20_000 }, (_, i) => `doc "${i}" \\ with escapes`),
    });
    const started = performance.now();
    expect(jsonTextProblem(body)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
