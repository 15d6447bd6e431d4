import os from 'node:os';

/** Latency percentiles and throughput of one timed run. */
export interface LatencyStats {
  count: number;
  errors: number;
  /** The first error's message, when any. */
  firstError?: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Completed requests per second of wall time. */
  qps: number;
  wallMs: number;
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** Summarizes latencies (ms) measured over `wallMs`. */
export function summarize(
  latencies: number[],
  wallMs: number,
  errors = 0,
  firstError?: string,
): LatencyStats {
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    count: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    meanMs: latencies.length ? sum / latencies.length : Number.NaN,
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    qps: wallMs > 0 ? (latencies.length * 1000) / wallMs : Number.NaN,
    wallMs,
  };
}

/** Stop a timed run after this many failed requests (a broken target must not loop for long). */
const MAX_ERRORS = 20;

/**
 * Runs `op(i)` for i in [0, count) with `concurrency` requests in flight (a closed loop: each
 * worker sends its next request when the previous one answers), timing each. Bounded: `count`
 * calls at most; no new call starts after `budgetMs`; it stops early after MAX_ERRORS failures.
 */
export async function closedLoop<T>(
  count: number,
  concurrency: number,
  op: (i: number, worker: number) => Promise<T>,
  budgetMs = Number.POSITIVE_INFINITY,
): Promise<{ stats: LatencyStats; results: (T | undefined)[] }> {
  const results: (T | undefined)[] = new Array<T | undefined>(count);
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async (w: number) => {
    while (next < count && errors < MAX_ERRORS && performance.now() - started < budgetMs) {
      const i = next++;
      const t0 = performance.now();
      try {
        results[i] = await op(i, w);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= errorText(err);
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, (_, w) => worker(w)),
  );
  return { stats: summarize(latencies, performance.now() - started, errors, firstError), results };
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `check` every `intervalMs` until it returns a value other than undefined, or throws after
 * `timeoutMs` saying what it waited for.
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A readable one-line message of anything thrown. */
export function errorText(err: unknown): string {
  if (err instanceof Error)
    return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`
      .split('\n')[0]!
      .slice(0, 300);
  return String(err).slice(0, 300);
}

/** The 1-minute load average, rounded (noise indicator written beside each target's figures). */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
