/**
 * Writes, opens and searches a small segment, then prints one JSON line. Run by
 * worker-entry.test.ts as `node --conditions=@huedb/source --import tsx` to prove that the build
 * worker starts when the package runs from TypeScript source outside vitest.
 */
import path from 'node:path';
import { Segment, writeSegment } from '@huedb/index';
import { clusteredVectors, exactKnn, recordsOf, tempDir } from './fixtures.js';

const { dir, cleanup } = await tempDir();
try {
  const vectors = clusteredVectors(500, 8, 5, 1);
  const params = { space: 'cosine', dimension: 8, maxNeighbors: 16, efConstruction: 100 } as const;
  const manifest = await writeSegment(path.join(dir, 'v1'), recordsOf(vectors), params);
  const segment = await Segment.open(path.join(dir, 'v1'), { verify: true });
  const found = segment.search(vectors[42]!, 5, { efSearch: 50 });
  const exact = exactKnn(vectors, vectors[42]!, 5, 'cosine');
  console.log(JSON.stringify({ recordCount: manifest.recordCount, found, exact }));
} finally {
  await cleanup();
}
