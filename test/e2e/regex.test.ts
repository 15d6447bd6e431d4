import { readFileSync } from 'node:fs';
import type { Collection } from 'chromadb';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromaClient, collectionName, DB, http } from './support.js';

/**
 * `$regex` / `$not_regex` against answers recorded from `chroma run` 1.5.9 (Rust's regex crate):
 * every case of packages/core's fixture, through `where_document` and `#document` in `where`,
 * plus a pattern whose DFA is large, to check that a slow regex scan does not hold up other
 * requests.
 */

interface Recorded {
  docs: Record<string, string>;
  cases: {
    pattern: string;
    op?: string;
    where?: boolean;
    ids?: string[];
    status?: number;
    message?: string;
  }[];
}

const recorded = JSON.parse(
  readFileSync(
    new URL('../../packages/core/src/regex/chroma-1.5.9.fixture.json', import.meta.url),
    'utf8',
  ),
) as Recorded;

// Deliberate differences (docs/compatibility.md, "Regular expressions"): Rust-only Unicode
// properties are refused; patterns over the compiled size limit are a 400 here, a 500 in Chroma.
const DIFFERENT = new Set([
  '\\p{Age=3.0}',
  '\\p{Word_Break=ALetter}',
  '\\p{gcb=Extend}',
  '(?:a{1000}){1000}',
  '\\w{1000}',
  '\\pL{1000}',
]);

describe('regex filters (answers recorded from chroma run 1.5.9)', () => {
  const client = chromaClient();
  let c: Collection;
  const ids = Object.keys(recorded.docs);

  beforeAll(async () => {
    c = await client.createCollection({ name: collectionName('regex'), embeddingFunction: null });
    const res = await http('POST', `${DB}/collections/${c.id}/add`, {
      ids,
      embeddings: ids.map(() => [0.1, 0.2]),
      documents: ids.map((id) => recorded.docs[id]),
    });
    expect(res.status).toBe(201);
  });

  const cases = recorded.cases.filter((x) => !DIFFERENT.has(x.pattern));
  it.each(
    cases.map(
      (x) =>
        [
          `${x.where ? '#document ' : ''}${x.op ?? '$regex'} ${JSON.stringify(x.pattern)}`,
          x,
        ] as const,
    ),
  )('%s', async (_, x) => {
    const op = x.op ?? '$regex';
    const filter = x.where
      ? { where: { '#document': { [op]: x.pattern } } }
      : { where_document: { [op]: x.pattern } };
    const res = await http('POST', `${DB}/collections/${c.id}/get`, { ...filter, include: [] });
    if (x.ids) {
      expect(res.status).toBe(200);
      expect((res.body as { ids: string[] }).ids).toEqual(x.ids);
    } else {
      expect(res).toMatchObject({
        status: x.status,
        body: { error: 'InvalidArgumentError', message: x.message },
      });
    }
  });

  it('works through the chromadb client, in get and query', async () => {
    const got = await c.get({ whereDocument: { $regex: '(?i)c(?-i)at' } });
    expect(got.ids).toEqual(['cat', 'Cat']);
    // (The JS client refuses `#document` in `where` itself; the raw cases above cover it.)
    const limited = await c.get({ whereDocument: { $regex: '^\\w+$' }, limit: 3 });
    expect(limited.ids).toEqual(['strasse_lower', 'strasse_upper', 'nihon']);
    const near = await c.query({
      queryEmbeddings: [[0.1, 0.2]],
      nResults: 5,
      whereDocument: { $and: [{ $regex: '\\p{Greek}' }, { $not_regex: '^$' }] },
    });
    expect(near.ids).toEqual([['greek']]);
  });

  it('refuses an invalid pattern with 400 before touching data', async () => {
    for (const body of [
      { where_document: { $regex: '(?=a)' } },
      { where: { '#document': { $not_regex: '\\1' } } },
    ]) {
      const res = await http('POST', `${DB}/collections/${c.id}/query`, {
        ...body,
        query_embeddings: [[0.1, 0.2]],
        n_results: 1,
      });
      expect(res.status).toBe(400);
      expect((res.body as { message: string }).message).toMatch(/^Regex syntax errror: /);
    }
  });
});

/** 40 documents of 12,000 pseudo-random a/b (xorshift32 from seed d+1), then `c` (even d) or `d`. */
function slowDocument(d: number): string {
  let x = d + 1;
  let s = '';
  for (let i = 0; i < 12_000; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += x & 1 ? 'a' : 'b';
  }
  return s + (d % 2 === 0 ? 'c' : 'd');
}

describe('a slow regex scan does not block other requests', () => {
  const client = chromaClient();
  let c: Collection;

  beforeAll(async () => {
    c = await client.createCollection({
      name: collectionName('regex-slow'),
      embeddingFunction: null,
    });
    const ids = Array.from({ length: 40 }, (_, d) => `ab${d}`);
    const res = await http('POST', `${DB}/collections/${c.id}/add`, {
      ids,
      embeddings: ids.map(() => [0.1, 0.2]),
      documents: ids.map((_, d) => slowDocument(d)),
    });
    expect(res.status).toBe(201);
  });

  it('answers /heartbeat while a query with a 2^15-state DFA scans 480k characters', async () => {
    // `(a|b)*a(a|b){14}c$`: the DFA needs a state per last-15-characters window; chroma run
    // answered ab0 ab2 ab8 ab10 ab16 ab18 ab24 ab26 ab32 ab34.
    let done = false;
    const query = http('POST', `${DB}/collections/${c.id}/get`, {
      where_document: { $regex: '(?:a|b)*a(?:a|b){14}c$' },
      include: [],
    }).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    let duringQuery = 0;
    const deadline = Date.now() + 60_000;
    while (!done && Date.now() < deadline) {
      const start = performance.now();
      const beat = await http('GET', '/api/v2/heartbeat');
      latencies.push(performance.now() - start);
      expect(beat.status).toBe(200);
      if (!done) duringQuery++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const res = await query;
    expect(res.status).toBe(200);
    expect((res.body as { ids: string[] }).ids).toEqual([
      'ab0',
      'ab2',
      'ab8',
      'ab10',
      'ab16',
      'ab18',
      'ab24',
      'ab26',
      'ab32',
      'ab34',
    ]);
    expect(duringQuery).toBeGreaterThan(0);
    // Generous: the scan yields every 10 ms, so a heartbeat waits at most a slice or two.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('runs ^(a+)+$ in linear time', async () => {
    const start = performance.now();
    const res = await http('POST', `${DB}/collections/${c.id}/get`, {
      where_document: { $regex: '^(a+)+$' },
      include: [],
    });
    expect(res.status).toBe(200);
    expect((res.body as { ids: string[] }).ids).toEqual([]);
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
