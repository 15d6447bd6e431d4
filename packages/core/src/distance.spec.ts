import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cosineDistance,
  distanceFn,
  dot,
  innerProductDistance,
  l2Squared,
  normalize,
} from './distance.js';

const f32 = (xs: number[]) => new Float32Array(xs);

/** Two vectors of one (random) dimension with moderate finite values. */
const pairArb = fc.integer({ min: 1, max: 64 }).chain((n) => {
  const vec = fc.float32Array({
    minLength: n,
    maxLength: n,
    min: -1000,
    max: 1000,
    noNaN: true,
    noDefaultInfinity: true,
  });
  return fc.tuple(vec, vec);
});

// Textbook formulas on plain number arrays: the oracle.
const naive = {
  l2: (a: number[], b: number[]) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0),
  dot: (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0),
  norm: (a: number[]) => Math.hypot(...a),
};

function close(actual: number, expected: number, scale = 1) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, scale));
}

describe('distance functions', () => {
  it('compute the examples', () => {
    expect(l2Squared(f32([1, 2, 3]), f32([4, 5, 6]))).toBe(27);
    expect(dot(f32([1, 2, 3]), f32([4, 5, 6]))).toBe(32);
    expect(innerProductDistance(f32([1, 0]), f32([0.5, 0]))).toBe(0.5);
    expect(cosineDistance(f32([1, 0]), f32([0, 3]))).toBeCloseTo(1, 12);
    expect(cosineDistance(f32([1, 1]), f32([2, 2]))).toBeCloseTo(0, 12);
    expect(cosineDistance(f32([1, 0]), f32([-2, 0]))).toBeCloseTo(2, 12);
  });

  it('give a zero vector cosine distance 1, like Chroma', () => {
    expect(cosineDistance(f32([0, 0]), f32([1, 2]))).toBe(1);
    expect(cosineDistance(f32([1, 2]), f32([0, 0]))).toBe(1);
    expect(cosineDistance(f32([0, 0]), f32([0, 0]))).toBe(1);
    expect(normalize(f32([0, 0]))).toEqual(f32([0, 0]));
  });

  it('pick the function of each space', () => {
    expect(distanceFn('l2')).toBe(l2Squared);
    expect(distanceFn('cosine')).toBe(cosineDistance);
    expect(distanceFn('ip')).toBe(innerProductDistance);
  });

  it('agree with the textbook formulas', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const [x, y] = [Array.from(a), Array.from(b)];
        const scale = naive.dot(x, x) + naive.dot(y, y);
        close(l2Squared(a, b), naive.l2(x, y), scale);
        close(dot(a, b), naive.dot(x, y), scale);
        close(innerProductDistance(a, b), 1 - naive.dot(x, y), scale);
        const nx = naive.norm(x);
        const ny = naive.norm(y);
        const expected = nx === 0 || ny === 0 ? 1 : 1 - naive.dot(x, y) / (nx * ny);
        expect(Math.abs(cosineDistance(a, b) - expected)).toBeLessThan(1e-9);
      }),
    );
  });

  it('are symmetric, l2 is zero on itself, cosine stays in [0, 2]', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        expect(l2Squared(a, b)).toBe(l2Squared(b, a));
        expect(cosineDistance(a, b)).toBe(cosineDistance(b, a));
        expect(l2Squared(a, a)).toBe(0);
        const c = cosineDistance(a, b);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('normalize yields unit vectors, on which ip equals cosine', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const [na, nb] = [normalize(a), normalize(b)];
        if (na.some((x) => x !== 0)) expect(Math.sqrt(dot(na, na))).toBeCloseTo(1, 5);
        if (na.some((x) => x !== 0) && nb.some((x) => x !== 0)) {
          expect(innerProductDistance(na, nb)).toBeCloseTo(cosineDistance(a, b), 5);
        }
        expect(na).not.toBe(a);
      }),
    );
  });
});
