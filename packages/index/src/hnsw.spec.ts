import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HierarchicalNSW } from './index.js';

describe('hnswlib-node (native build)', () => {
  it('builds an index and finds each point as its own nearest neighbour', () => {
    const dim = 16;
    const n = 500;
    const index = new HierarchicalNSW('l2', dim);
    index.initIndex(n, 16, 100, 42);
    const points: number[][] = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let label = 0; label < n; label++) {
      const point = Array.from({ length: dim }, rand);
      points.push(point);
      index.addPoint(point, label);
    }
    index.setEf(100);
    let hits = 0;
    for (let label = 0; label < n; label += 10) {
      const { neighbors, distances } = index.searchKnn(points[label]!, 1);
      if (neighbors[0] === label && distances[0]! < 1e-6) hits++;
    }
    expect(hits).toBe(n / 10);
  });

  it('was compiled with AVX2/FMA when this CPU has them (scripts/install.sh)', () => {
    const cpu = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    const hasAvx2 = /\bavx2\b/.test(cpu) && /\bfma\b/.test(cpu);
    const pkg = path.dirname(createRequire(import.meta.url).resolve('hnswlib-node/package.json'));
    const deps = path.join(pkg, 'build/Release/.deps/Release/obj.target/addon/src/addon.o.d');
    const compile = readFileSync(deps, 'utf8');
    expect(compile.includes('-mavx2') && compile.includes('-mfma')).toBe(hasAvx2);
  });
});
