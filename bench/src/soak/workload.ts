/**
 * The soak's load: writers add, upsert and delete in a few collections held at a steady size (so
 * memory has no reason to grow), readers query and get, and a churn loop creates and drops whole
 * collections. Every acknowledged write is kept in a model; reads check read-your-writes against
 * it, and the end of the run checks every acknowledged record (and a sample of deleted ones).
 */
import { percentile } from '../measure.js';

const DB = '/api/v2/tenants/default_tenant/databases/default_database';

export interface WorkloadOptions {
  baseUrls: string[];
  headers: Record<string, string>;
  collections: number;
  /** Live records per collection at steady state. */
  cap: number;
  dim: number;
  writers: number;
  readers: number;
  seed: number;
}

interface CollectionState {
  id: string;
  /** Acknowledged, not deleted, in insertion order. */
  live: string[];
  liveSet: Set<string>;
  /** A delete is in flight: absent or present is right. */
  deleting: Set<string>;
  /** Writes that failed: the record may or may not exist, so nothing is asserted about it. */
  uncertain: Set<string>;
  deleted: string[];
  next: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same vectors and choices. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SoakWorkload {
  private readonly random: () => number;
  private readonly states: CollectionState[] = [];
  private window = new Map<string, { latencies: number[]; errors: number }>();
  readonly totals = new Map<string, { count: number; errors: number }>();
  readonly violations: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private turn = 0;

  constructor(private readonly options: WorkloadOptions) {
    this.random = rng(options.seed);
  }

  /** Creates the collections and starts every loop. */
  async start(): Promise<void> {
    for (let i = 0; i < this.options.collections; i++) {
      const res = await this.call('create', 'POST', `${DB}/collections`, {
        name: `soak-${i}`,
        get_or_create: true,
      });
      if (!res.ok) throw new Error(`could not create soak-${i}: ${JSON.stringify(res.body)}`);
      const id = (res.body as { id: string }).id;
      this.states.push({
        id,
        live: [],
        liveSet: new Set(),
        deleting: new Set(),
        uncertain: new Set(),
        deleted: [],
        next: 0,
      });
    }
    this.running = true;
    for (let w = 0; w < this.options.writers; w++) this.loops.push(this.writer(w));
    for (let r = 0; r < this.options.readers; r++) this.loops.push(this.reader());
    this.loops.push(this.churn());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  liveRecords(): number {
    return this.states.reduce((n, s) => n + s.live.length, 0);
  }

  /** The interval's latencies per operation; starts the next interval. */
  takeWindow(): Record<string, { count: number; errors: number; p50Ms: number; p99Ms: number }> {
    const out: Record<string, { count: number; errors: number; p50Ms: number; p99Ms: number }> = {};
    for (const [op, w] of this.window) {
      const sorted = Float64Array.from(w.latencies).sort();
      out[op] = {
        count: sorted.length,
        errors: w.errors,
        p50Ms: sorted.length ? percentile(sorted, 0.5) : 0,
        p99Ms: sorted.length ? percentile(sorted, 0.99) : 0,
      };
    }
    this.window = new Map();
    return out;
  }

  /**
   * After the load: every acknowledged live record is there, counts equal the model, and a sample
   * of deleted records is gone.
   */
  async verify(): Promise<Record<string, number>> {
    let checked = 0;
    let missing = 0;
    let resurrected = 0;
    let countMismatches = 0;
    for (const state of this.states) {
      const sure = state.live.filter((id) => !state.uncertain.has(id));
      for (let i = 0; i < sure.length; i += 1000) {
        const ids = sure.slice(i, i + 1000);
        const got = await this.get(state.id, ids);
        checked += ids.length;
        missing += ids.length - got.size;
      }
      const gone = state.deleted.filter((id) => !state.uncertain.has(id)).slice(-1000);
      resurrected += (await this.get(state.id, gone)).size;
      const count = await this.call('count', 'GET', `${DB}/collections/${state.id}/count`);
      const n = count.body as number;
      // Uncertain records may or may not be there: the count lies between the two.
      const uncertainLive = [...state.uncertain].filter((id) => !state.deleted.includes(id)).length;
      if (n < sure.length || n > state.live.length + uncertainLive) countMismatches++;
    }
    return {
      'records checked': checked,
      missing,
      'deleted records present': resurrected,
      'collections whose count is off': countMismatches,
      'read-your-writes violations': this.violations.length,
    };
  }

  private async writer(w: number): Promise<void> {
    for (let round = 0; this.running; round++) {
      const state = this.states[(w + round) % this.states.length]!;
      const ids = Array.from({ length: 100 }, () => `${w}-${state.next++}`);
      const res = await this.call('add', 'POST', `${DB}/collections/${state.id}/add`, {
        ids,
        embeddings: ids.map(() => this.vector()),
        metadatas: ids.map((_, i) => ({ bucket: i % 10, round, writer: w })),
        documents: ids.map((id) => `soak record ${id}`),
      });
      if (res.ok) {
        for (const id of ids) {
          state.live.push(id);
          state.liveSet.add(id);
        }
      } else for (const id of ids) state.uncertain.add(id);

      if (round % 4 === 0 && state.live.length > 0) {
        const ids = this.sample(state, 20);
        // Existing records either way: a failed upsert changes what they hold, not whether.
        await this.call('upsert', 'POST', `${DB}/collections/${state.id}/upsert`, {
          ids,
          embeddings: ids.map(() => this.vector()),
          metadatas: ids.map(() => ({ bucket: 10, round, writer: w })),
        });
      }
      if (state.live.length > this.options.cap) {
        const victims = state.live.splice(0, 100);
        for (const id of victims) state.deleting.add(id);
        const del = await this.call('delete', 'POST', `${DB}/collections/${state.id}/delete`, {
          ids: victims,
        });
        for (const id of victims) {
          state.deleting.delete(id);
          state.liveSet.delete(id);
          state.deleted.push(id);
          if (!del.ok) state.uncertain.add(id);
        }
        if (state.deleted.length > 20_000) state.deleted.splice(0, 10_000);
      }
    }
  }

  private async reader(): Promise<void> {
    for (let round = 0; this.running; round++) {
      const state = this.states[round % this.states.length]!;
      if (round % 2 === 0) {
        const where = round % 4 === 0 ? { bucket: { $eq: round % 10 } } : undefined;
        await this.call('query', 'POST', `${DB}/collections/${state.id}/query`, {
          query_embeddings: [this.vector()],
          n_results: 10,
          ...(where && { where }),
          include: ['distances', 'metadatas'],
        });
        continue;
      }
      const ids = this.sample(state, 20);
      if (ids.length === 0) continue;
      const got = await this.get(state.id, ids, 'get');
      // Acknowledged before the get was sent and not being deleted since: it must be seen.
      for (const id of ids) {
        const settled = !state.deleting.has(id) && !state.uncertain.has(id);
        if (!got.has(id) && state.liveSet.has(id) && settled) {
          this.violations.push(`${state.id}/${id}`);
        }
      }
    }
  }

  /** A collection made, filled, queried and dropped every 30 s: what a dropped one held is freed. */
  private async churn(): Promise<void> {
    for (let round = 0; this.running; round++) {
      const created = await this.call('create', 'POST', `${DB}/collections`, {
        name: `soak-churn-${round}`,
      });
      if (created.ok) {
        const id = (created.body as { id: string }).id;
        const ids = Array.from({ length: 500 }, (_, i) => `c${i}`);
        await this.call('add', 'POST', `${DB}/collections/${id}/add`, {
          ids,
          embeddings: ids.map(() => this.vector()),
        });
        await this.call('query', 'POST', `${DB}/collections/${id}/query`, {
          query_embeddings: [this.vector()],
          n_results: 5,
        });
        await this.call('drop', 'DELETE', `${DB}/collections/soak-churn-${round}`);
      }
      for (let waited = 0; waited < 30_000 && this.running; waited += 500) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Live ids not being deleted, chosen at random. */
  private sample(state: CollectionState, n: number): string[] {
    const out = new Set<string>();
    for (let tries = 0; out.size < n && tries < n * 3 && state.live.length > 0; tries++) {
      const id = state.live[Math.floor(this.random() * state.live.length)]!;
      if (!state.deleting.has(id)) out.add(id);
    }
    return [...out];
  }

  private async get(collection: string, ids: string[], op = 'verify'): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const res = await this.call(op, 'POST', `${DB}/collections/${collection}/get`, {
      ids,
      include: [],
    });
    return new Set(res.ok ? (res.body as { ids: string[] }).ids : []);
  }

  private vector(): number[] {
    return Array.from({ length: this.options.dim }, () => this.random() * 2 - 1);
  }

  private async call(
    op: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ ok: boolean; body: unknown }> {
    const base = this.options.baseUrls[this.turn++ % this.options.baseUrls.length]!;
    const started = performance.now();
    let ok = false;
    let parsed: unknown = null;
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...this.options.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      parsed = text ? JSON.parse(text) : null;
      ok = res.ok;
    } catch (err) {
      parsed = { error: String(err) };
    }
    const w = this.window.get(op) ?? { latencies: [], errors: 0 };
    this.window.set(op, w);
    const t = this.totals.get(op) ?? { count: 0, errors: 0 };
    this.totals.set(op, t);
    w.latencies.push(performance.now() - started);
    t.count++;
    if (!ok) {
      w.errors++;
      t.errors++;
    }
    return { ok, body: parsed };
  }
}
