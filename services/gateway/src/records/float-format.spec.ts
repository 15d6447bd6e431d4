import { describe, expect, it } from 'vitest';
import { formatFloat } from './float-format.js';

describe('formatFloat', () => {
  // Each pair: the value sent, the text Chroma 1.5.9 answered (probed with curl).
  it('writes float32 values (embeddings, distances) as chroma run does', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [0, '0.0'],
      [-0, '-0.0'],
      [0.1, '0.1'],
      [1.5, '1.5'],
      [100, '100.0'],
      [123456789, '123456790.0'],
      [16777217, '16777216.0'],
      [1e-5, '0.00001'],
      [1e-6, '0.000001'],
      [1e-7, '1e-7'],
      [5e-45, '6e-45'],
      [1e16, '1e+16'],
      [1e20, '1e+20'],
      [3e38, '3e+38'],
      [Math.fround(0.80999994), '0.80999994'],
      [0.8099999973178009, '0.81'], // rounded to the nearest float32
      [1e39, 'null'],
    ];
    for (const [value, text] of cases) expect(formatFloat(value, 'f32'), String(value)).toBe(text);
  });

  it('writes float64 values (metadata) as chroma run does', () => {
    const cases: [number, string][] = [
      [1e-5, '0.00001'],
      [1e-6, '1e-6'],
      [2.5e-8, '2.5e-8'],
      [1e-7, '1e-7'],
      [123456789, '123456789.0'],
      [1e16, '1e+16'],
      [1e20, '1e+20'],
      [1e21, '1e+21'],
      [1.2345678901234567e19, '1.2345678901234567e+19'],
      [1.5e300, '1.5e+300'],
      [5e-324, '5e-324'],
      [0.1, '0.1'],
    ];
    for (const [value, text] of cases) expect(formatFloat(value, 'f64'), String(value)).toBe(text);
  });
});
