import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEmbedding,
  embeddingFromBase64,
  embeddingFromBytes,
  embeddingToBase64,
  embeddingToBytes,
  validateEmbedding,
  validateEmbeddingDimensions,
} from './embeddings.js';
import { InvalidArgumentError, UnprocessableEntityError } from './errors.js';

const finiteVector = fc.float32Array({
  minLength: 1,
  maxLength: 32,
  noNaN: true,
  noDefaultInfinity: true,
});
const bytesOf = (v: Float32Array) =>
  Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

describe('embedding codecs', () => {
  it("decode what Chroma's Python client sends (struct.pack('<Nf') in base64)", () => {
    // base64.b64encode(struct.pack('<3f', 1.0, 2.0, 3.0))
    expect(embeddingFromBase64('AACAPwAAAEAAAEBA')).toEqual(new Float32Array([1, 2, 3]));
    // base64.b64encode(struct.pack('<2f', -1.5, 0.1))
    expect(embeddingFromBase64('AADAv83MzD0=')).toEqual(new Float32Array([-1.5, 0.1]));
    expect(embeddingToBase64(new Float32Array([-1.5, 0.1]))).toBe('AADAv83MzD0=');
  });

  it('write little-endian bytes', () => {
    expect(Array.from(embeddingToBytes(new Float32Array([1])))).toEqual([0, 0, 0x80, 0x3f]);
    expect(embeddingFromBytes(new Uint8Array([0, 0, 0x80, 0x3f]))).toEqual(new Float32Array([1]));
  });

  it('read bytes at any offset of a larger buffer', () => {
    const buf = new Uint8Array(9);
    buf.set([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40], 1);
    expect(embeddingFromBytes(buf.subarray(1))).toEqual(new Float32Array([1, 2]));
    const view = new Float32Array([7, 1, 2]).subarray(1);
    expect(embeddingFromBytes(embeddingToBytes(view))).toEqual(new Float32Array([1, 2]));
  });

  it('round-trip every float32 bit pattern through bytes and base64', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 64 }), (v) => {
        expect(bytesOf(embeddingFromBytes(embeddingToBytes(v)))).toEqual(bytesOf(v));
      }),
    );
    fc.assert(
      fc.property(finiteVector, (v) => {
        const text = embeddingToBase64(v);
        expect(text).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        expect(bytesOf(embeddingFromBase64(text))).toEqual(bytesOf(v));
      }),
    );
  });

  it.each([
    ['invalid!@#$', 'Invalid base64 string'],
    ['AACAPw', 'Invalid base64 string'], // unpadded
    ['AACA Pw==', 'Invalid base64 string'],
    ['YWJj', 'Invalid byte length: 3 bytes'],
    [embeddingToBase64(new Float32Array([1, NaN])), 'Non-finite float value at embedding index 1'],
    [
      embeddingToBase64(new Float32Array([Infinity])),
      'Non-finite float value at embedding index 0',
    ],
  ])('rejects base64 %j', (text, message) => {
    expect(() => embeddingFromBase64(text)).toThrow(InvalidArgumentError);
    expect(() => embeddingFromBase64(text)).toThrow(message);
  });

  it('accepts exactly the strings the strict base64 pattern accepts', () => {
    const pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const alphabet = 'AQ+/=-é ';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 20_000; trial++) {
      const length = Math.floor(next() * 13);
      const text = Array.from(
        { length },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
      let invalid = false;
      try {
        embeddingFromBase64(text);
      } catch (err) {
        invalid = (err as Error).message.includes('Invalid base64 string');
      }
      expect(invalid, JSON.stringify(text)).toBe(!pattern.test(text));
    }
  });

  it('rejects bytes that are not whole floats', () => {
    expect(() => embeddingFromBytes(new Uint8Array(5))).toThrow('must be divisible by 4');
  });
});

describe('decodeEmbedding', () => {
  it('takes number arrays and base64 strings, rounding to float32', () => {
    expect(decodeEmbedding([1, 2.5])).toEqual(new Float32Array([1, 2.5]));
    expect(decodeEmbedding([0.1])[0]).toBe(Math.fround(0.1));
    expect(decodeEmbedding('AACAPwAAAEAAAEBA')).toEqual(new Float32Array([1, 2, 3]));
  });

  it('answers 422 for other JSON types and 400 for bad values', () => {
    expect(() => decodeEmbedding(null)).toThrow(UnprocessableEntityError);
    expect(() => decodeEmbedding({ 0: 1 })).toThrow(UnprocessableEntityError);
    expect(() => decodeEmbedding([1, '2'], 3)).toThrow(/index 3 .*position 1/);
    expect(() => decodeEmbedding([])).toThrow(InvalidArgumentError);
    expect(() => decodeEmbedding([1e39])).toThrow(/finite/); // beyond float32's range
    expect(() => decodeEmbedding([NaN])).toThrow(InvalidArgumentError);
  });
});

describe('validateEmbedding / validateEmbeddingDimensions', () => {
  it('needs one dimension and finite values', () => {
    expect(() => validateEmbedding(new Float32Array([1, -Infinity]))).toThrow('finite');
    expect(() => validateEmbedding(new Float32Array(0))).toThrow('at least one dimension');
    expect(() => validateEmbedding(new Float32Array([0]))).not.toThrow();
  });

  it("uses Chroma's dimension messages", () => {
    const v = (n: number) => new Float32Array(n);
    expect(validateEmbeddingDimensions([v(3), null, v(3)], null)).toBe(3);
    expect(validateEmbeddingDimensions([null], 5)).toBeNull();
    expect(validateEmbeddingDimensions([], undefined)).toBeNull();
    expect(() => validateEmbeddingDimensions([v(3), v(4)])).toThrow(
      'Inconsistent dimensions in provided embeddings',
    );
    expect(() => validateEmbeddingDimensions([v(3)], 4)).toThrow(
      'Collection expecting embedding with dimension of 4, got 3',
    );
  });
});
