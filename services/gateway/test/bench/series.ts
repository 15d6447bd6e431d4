/** Timing helpers the gateway's bench scripts share (auth-guard.ts, plan-enforcement.ts). */

/** p50/p99 of one series, ms (the fields of bench/src/auth-overhead.ts's Percentiles). */
export function percentiles(samples: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** One line of p50/p99 for a human. */
export const show = (p: { p50Ms: number; p99Ms: number }): string =>
  `p50 ${p.p50Ms.toFixed(4)} ms, p99 ${p.p99Ms.toFixed(4)} ms`;

/** How long one call of `fn` takes, ms. */
export async function timedOnce(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
