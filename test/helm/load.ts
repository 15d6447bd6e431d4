/**
 * A steady client load against a HueDB gateway URL, for the disruption checks of the real chart
 * test: writers add one record per request (an acknowledged id is one whose add answered 2xx),
 * readers read their own last acknowledged write back (read-your-writes) and query. Every request
 * that does not answer 2xx — or a read that misses an acknowledged record — is a failure, with
 * what it said.
 */

/** What a load run saw. */
export interface LoadReport {
  requests: number;
  failures: string[];
  acked: string[];
  seconds: number;
}

/** A running load: stop() ends it after the requests in flight. */
export interface Load {
  stop(): Promise<LoadReport>;
}

/** The collection's records URL prefix and the admin token. */
export interface Target {
  records: string;
  token: string;
}

async function call(target: Target, route: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${target.records}/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-chroma-token': target.token },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route} answered ${res.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

function embedding(n: number): number[] {
  return [Math.sin(n), Math.cos(n), Math.sin(n / 7), 1];
}

/**
 * Starts `workers` loops, each writing then reading back about every `pauseMs`. Ids are
 * `<prefix>-<worker>-<n>`, so several loads may share one collection.
 */
export function startLoad(target: Target, prefix: string, workers = 2, pauseMs = 100): Load {
  let running = true;
  const started = Date.now();
  const report: LoadReport = { requests: 0, failures: [], acked: [], seconds: 0 };
  const loop = async (w: number) => {
    for (let n = 0; running; n++) {
      const id = `${prefix}-${w}-${n}`;
      try {
        report.requests++;
        await call(target, 'add', { ids: [id], embeddings: [embedding(n)], documents: [id] });
        report.acked.push(id);
      } catch (err) {
        report.failures.push(`add ${id}: ${String(err)}`);
      }
      try {
        report.requests++;
        const got = (await call(target, 'get', { ids: [id], include: [] })) as { ids: string[] };
        if (report.acked.includes(id) && !got.ids.includes(id)) {
          report.failures.push(`get ${id}: an acknowledged write is not visible`);
        }
        report.requests++;
        await call(target, 'query', {
          query_embeddings: [embedding(n)],
          n_results: 3,
          include: [],
        });
      } catch (err) {
        report.failures.push(`read after ${id}: ${String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      report.seconds = (Date.now() - started) / 1000;
      return report;
    },
  };
}

/** The acknowledged ids that the collection no longer returns (chunks of 300). */
export async function lostWrites(target: Target, acked: readonly string[]): Promise<string[]> {
  const lost: string[] = [];
  for (let i = 0; i < acked.length; i += 300) {
    const ids = acked.slice(i, i + 300);
    const got = (await call(target, 'get', { ids, include: [] })) as { ids: string[] };
    const present = new Set(got.ids);
    lost.push(...ids.filter((id) => !present.has(id)));
  }
  return lost;
}
