/**
 * What a soak's samples say: each series (a process's RSS or open files, an operation's p99)
 * fitted by least squares after the warm-up, its slope per hour, and its drift — how much the
 * fitted line moves over the measured window, as a share of the series' mean. A soak is judged by
 * drift, not by single readings: the machine is shared and one sample can be an outlier.
 */

export interface Sample {
  /** Seconds since the load started. */
  t: number;
  /** Per process: resident memory (MiB) and open file descriptors. */
  processes: Record<string, { rssMiB: number; fds: number }>;
  /** Per operation, over the interval that ended at `t`. */
  ops: Record<string, { count: number; errors: number; p50Ms: number; p99Ms: number }>;
  /** Acknowledged live records across the soak's collections. */
  liveRecords: number;
  loadAverage: number;
}

export interface SeriesSummary {
  name: string;
  unit: string;
  first: number;
  last: number;
  mean: number;
  max: number;
  slopePerHour: number;
  /** Fitted change over the measured window ÷ mean (0.05 = the line rose 5%). */
  drift: number;
  flat: boolean;
}

/** How far a series may drift and still be flat: memory and files tightly, latency loosely. */
const FLAT_DRIFT: Record<string, number> = { MiB: 0.1, fds: 0.1, ms: 0.5 };
/** Operations with fewer requests per sample than this get no latency series. */
const MIN_REQUESTS_PER_SAMPLE = 20;
/** Open files are few: a drift of a handful is not a leak, whatever the ratio. */
const FDS_ABSOLUTE = 8;

/** Least-squares slope of y over t (per second); 0 for fewer than two points. */
export function slope(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function summarize(
  name: string,
  unit: string,
  points: readonly { t: number; y: number }[],
): SeriesSummary {
  const ys = points.map((p) => p.y);
  const mean = ys.reduce((s, y) => s + y, 0) / Math.max(1, ys.length);
  const perSecond = slope(points);
  const window = points.length > 1 ? points.at(-1)!.t - points[0]!.t : 0;
  const change = perSecond * window;
  const drift = mean === 0 ? 0 : change / mean;
  const limit = FLAT_DRIFT[unit] ?? 0.1;
  const flat = unit === 'fds' ? Math.abs(change) <= FDS_ABSOLUTE || drift <= limit : drift <= limit;
  return {
    name,
    unit,
    first: ys[0] ?? 0,
    last: ys.at(-1) ?? 0,
    mean,
    max: Math.max(...ys, 0),
    slopePerHour: perSecond * 3600,
    drift,
    flat,
  };
}

/** Every series of the samples taken after `warmupSeconds`. */
export function analyze(samples: readonly Sample[], warmupSeconds: number): SeriesSummary[] {
  const measured = samples.filter((s) => s.t >= warmupSeconds);
  const out: SeriesSummary[] = [];
  const names = [...new Set(measured.flatMap((s) => Object.keys(s.processes)))].sort();
  for (const name of names) {
    const of = (key: 'rssMiB' | 'fds') =>
      measured.flatMap((s) => {
        const p = s.processes[name];
        return p ? [{ t: s.t, y: p[key] }] : [];
      });
    out.push(summarize(`${name} RSS`, 'MiB', of('rssMiB')));
    out.push(summarize(`${name} open files`, 'fds', of('fds')));
  }
  const ops = [...new Set(measured.flatMap((s) => Object.keys(s.ops)))].sort();
  for (const op of ops) {
    // A p99 of a handful of requests is one request's latency: only busy operations get a series.
    const requests = measured.reduce((n, s) => n + (s.ops[op]?.count ?? 0), 0);
    if (requests < MIN_REQUESTS_PER_SAMPLE * measured.length) continue;
    const points = measured.flatMap((s) => {
      const o = s.ops[op];
      return o && o.count > 0 ? [{ t: s.t, y: o.p99Ms }] : [];
    });
    out.push(summarize(`${op} p99`, 'ms', points));
  }
  return out;
}

const fmt = (n: number, digits = 1) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(Math.abs(n) >= 10 ? 1 : digits);

/** The soak's report as markdown: the series table, throughput and the end-of-run check. */
export function renderSoak(result: {
  startedAt: string;
  target: string;
  minutes: number;
  warmupSeconds: number;
  series: SeriesSummary[];
  totals: Record<string, { count: number; errors: number; perSecond: number }>;
  verification: Record<string, number>;
  loadAverage: { min: number; max: number };
  machine: string;
}): string {
  const lines = [
    `# Soak: ${result.target}, ${result.minutes} min (${result.startedAt})`,
    '',
    `Machine: ${result.machine}; 1-min load average ${result.loadAverage.min}–${result.loadAverage.max}.`,
    `Series fitted after a ${result.warmupSeconds}-s warm-up; drift = fitted change over the window ÷ mean.`,
    '',
    '| series | first | last | mean | max | slope /h | drift | flat |',
    '|---|---|---|---|---|---|---|---|',
    ...result.series.map(
      (s) =>
        `| ${s.name} (${s.unit}) | ${fmt(s.first)} | ${fmt(s.last)} | ${fmt(s.mean)} | ${fmt(s.max)} | ${fmt(s.slopePerHour, 2)} | ${(s.drift * 100).toFixed(1)}% | ${s.flat ? 'yes' : '**no**'} |`,
    ),
    '',
    '| operation | requests | errors | per second |',
    '|---|---|---|---|',
    ...Object.entries(result.totals).map(
      ([op, t]) => `| ${op} | ${t.count} | ${t.errors} | ${fmt(t.perSecond)} |`,
    ),
    '',
    'End of run: ' +
      Object.entries(result.verification)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      '.',
    '',
  ];
  return lines.join('\n');
}
