import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelModuleText } from '../../scripts/build-kernel.js';
import { FlatKernel } from './flat-kernel.js';

describe('the SIMD distance kernel', () => {
  it('the committed module is what flat-kernel.wat compiles to', async () => {
    const committed = readFileSync(
      fileURLToPath(new URL('./flat-kernel.wasm.ts', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(await kernelModuleText());
  });

  it('computes l2 and dot per row for a dimension that is not a multiple of 4, across growth', () => {
    const dim = 7;
    const kernel = new FlatKernel(dim);
    const rows = Array.from({ length: 2_500 }, (_, r) =>
      Float32Array.from({ length: dim }, (_, i) => ((r * 31 + i * 7) % 17) / 4 - 2),
    );
    rows.forEach((row, r) => kernel.setRow(r, row));
    kernel.moveRow(2_499, 3);
    rows[3] = rows[2_499]!;
    const query = Float32Array.from({ length: dim }, (_, i) => i / 3 - 1);
    const l2 = Array.from(kernel.distances(query, 2_499, 'l2'));
    const dot = Array.from(kernel.distances(query, 2_499, 'dot'));
    for (let r = 0; r < 2_499; r++) {
      const row = rows[r]!;
      let sl2 = 0;
      let sdot = 0;
      for (let i = 0; i < dim; i++) {
        sl2 += (query[i]! - row[i]!) ** 2;
        sdot += query[i]! * row[i]!;
      }
      expect(l2[r]).toBeCloseTo(sl2, 4);
      expect(dot[r]).toBeCloseTo(sdot, 4);
    }
  });
});
