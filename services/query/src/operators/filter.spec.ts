import { create } from '@bufbuild/protobuf';
import { FilterSchema } from '@huedb/proto/query';
import { describe, expect, it } from 'vitest';
import { compileFilter, Slicer } from './filter.js';
import type { MaterializedRecord } from './record-set.js';

function record(
  id: string,
  document: string | null,
  metadata: MaterializedRecord['metadata'] = null,
) {
  return { id, embedding: new Float32Array([0]), document, uri: null, metadata };
}

/** 12,000 pseudo-random a/b (xorshift32), then `c` for even seeds, `d` for odd ones. */
function abDocument(seed: number): string {
  let x = seed + 1;
  let s = '';
  for (let i = 0; i < 12_000; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += x & 1 ? 'a' : 'b';
  }
  return s + (seed % 2 === 0 ? 'c' : 'd');
}

describe('compileFilter', () => {
  it('combines ids, where and where_document; regexes see the document', () => {
    const filter = compileFilter(
      create(FilterSchema, {
        ids: { ids: ['a', 'b', 'c'] },
        whereJson: JSON.stringify({ n: { $gt: 1 } }),
        whereDocumentJson: JSON.stringify({ $regex: '(?i)^STRASSE|\\bclair' }),
      }),
    )!;
    expect(filter.test(record('a', 'Strasse', { n: 2 }))).toBe(true);
    expect(filter.test(record('b', 'straße', { n: 2 }))).toBe(false);
    expect(filter.test(record('c', 'éclair', { n: 2 }))).toBe(false);
    expect(filter.test(record('d', 'Strasse', { n: 2 }))).toBe(false);
    expect(filter.matches(record('a', 'Strasse', { n: 1 }))).toBe(false);
    expect(filter.matches(record('a', null, { n: 2 }))).toBe(false);
  });

  it('is undefined without a filter', () => {
    expect(compileFilter(undefined)).toBeUndefined();
    expect(compileFilter(create(FilterSchema, {}))).toBeUndefined();
  });

  it('scans a slow regex in slices: the event loop keeps turning, answers do not change', async () => {
    const records = Array.from({ length: 12 }, (_, d) => record(`ab${d}`, abDocument(d)));
    const json = JSON.stringify({ $regex: '(?:a|b)*a(?:a|b){14}c$' });
    const slicer = new Slicer();
    const filter = compileFilter(create(FilterSchema, { whereDocumentJson: json }), slicer)!;

    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 1);
    const matched: string[] = [];
    let pending = 0;
    try {
      for (const r of records) {
        const verdict = filter.matches(r);
        if (typeof verdict !== 'boolean') pending++;
        if (await verdict) matched.push(r.id);
        if (slicer.due()) await slicer.yield();
      }
    } finally {
      clearInterval(timer);
    }
    // The same answers as an uninterrupted evaluation (and as chroma run: ab0 ab2 ab8 ab10).
    expect(matched).toEqual(records.filter((r) => filter.test(r)).map((r) => r.id));
    expect(matched).toEqual(['ab0', 'ab2', 'ab8', 'ab10']);
    expect(pending).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(3);
    // Slices are 10 ms; a generous bound for a loaded machine.
    expect(longestGap).toBeLessThan(250);
  });
});

const withMetadata = (id: string, metadata: { k: number } | null = null) => ({
  id,
  embedding: new Float32Array([0]),
  document: null,
  uri: null,
  metadata,
});

describe('compileFilter: id lists', () => {
  it('has no predicate when the request has no filter', () => {
    expect(compileFilter(undefined)).toBeUndefined();
    expect(compileFilter(create(FilterSchema, {}))).toBeUndefined();
  });

  it('admits nothing for an id list that is present but empty', () => {
    const matches = compileFilter(create(FilterSchema, { ids: { ids: [] } }));
    expect(matches).toBeDefined();
    expect(matches!.test(withMetadata('a'))).toBe(false);
  });

  it('combines ids and where with AND', () => {
    const matches = compileFilter(
      create(FilterSchema, { ids: { ids: ['a', 'b'] }, whereJson: '{"k": 1}' }),
    )!;
    expect(matches.test(withMetadata('a', { k: 1 }))).toBe(true);
    expect(matches.test(withMetadata('b', { k: 2 }))).toBe(false);
    expect(matches.test(withMetadata('c', { k: 1 }))).toBe(false);
  });
});
