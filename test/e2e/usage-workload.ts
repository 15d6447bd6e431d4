import { expect } from 'vitest';
import { tokenHeaders, uniqueName } from '@huedb/testing';

/** A deployment to meter: its gateways and the token that may create tenants (none: auth off). */
export interface UsageTarget {
  urls: string[];
  token: string | undefined;
}

/** What {@link runWorkload} did, as the meter must report it. */
export interface ExpectedUsage {
  tenant: string;
  requests: number;
  queries: number;
  records_returned: number;
  records_written: number;
  records_deleted: number;
  stored_records: number;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export function caller(target: UsageTarget) {
  return async (method: string, path: string, body?: unknown, gateway = 0): Promise<Answer> => {
    const response = await fetch(`${target.urls[gateway % target.urls.length]}${path}`, {
      method,
      headers: {
        ...tokenHeaders(target.token),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV or empty: keep the text
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };
}

const vector = (i: number) => [i, i / 2, 1 - i / 100];

/**
 * A scripted workload on a fresh tenant, alternating the gateways: an add of 30 records, the
 * same add retried (as a client whose acknowledgement was lost would: it changes nothing and
 * must not be metered), an upsert of 5 existing and 5 new records, an update of 3 existing and 2
 * missing ids (only 3 change anything), a delete of 4, a get of everything, a query of 2
 * vectors for 3 results each.
 */
export async function runWorkload(target: UsageTarget): Promise<ExpectedUsage> {
  const call = caller(target);
  const tenant = uniqueName('usage').replace(/_/g, '-');
  expect((await call('POST', '/api/v2/tenants', { name: tenant })).status).toBe(200);
  const db = `/api/v2/tenants/${tenant}/databases`;
  expect((await call('POST', db, { name: 'metered' }, 1)).status).toBe(200);
  const made = await call('POST', `${db}/metered/collections`, { name: 'workload' });
  expect(made.status).toBe(200);
  const records = `${db}/metered/collections/${(made.body as { id: string }).id}`;
  const ids = (from: number, to: number, prefix = 'r') =>
    Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
  const batch = (list: string[]) => ({
    ids: list,
    embeddings: list.map((_, i) => vector(i)),
    documents: list.map((id) => `document ${id} ✓`),
    metadatas: list.map((id) => ({ id, n: id.length })),
  });
  const ok = async (path: string, body: unknown, gateway: number) => {
    const answer = await call('POST', `${records}/${path}`, body, gateway);
    // Chroma answers 201 for add, 200 for the rest.
    expect([200, 201], `${path}: ${answer.status} ${answer.text}`).toContain(answer.status);
    return answer.body;
  };
  await ok('add', batch(ids(0, 30)), 0);
  await ok('add', batch(ids(0, 30)), 1);
  await ok('upsert', batch(ids(25, 35)), 0);
  await ok(
    'update',
    { ids: ['r0', 'r1', 'r2', 'x1', 'x2'], documents: ['a', 'b', 'c', 'd', 'e'] },
    1,
  );
  expect(await ok('delete', { ids: ids(10, 14) }, 0)).toEqual({ deleted: 4 });
  const got = (await ok('get', {}, 1)) as { ids: string[] };
  expect(got.ids).toHaveLength(31);
  const queried = (await ok(
    'query',
    { query_embeddings: [vector(1), vector(2)], n_results: 3 },
    0,
  )) as { ids: string[][] };
  expect(queried.ids.flat()).toHaveLength(6);
  return {
    tenant,
    // database, collection, add ×2, upsert, update, delete, get, query
    requests: 9,
    queries: 2,
    records_returned: 31 + 6,
    records_written: 30 + 10 + 3,
    records_deleted: 4,
    stored_records: 31,
  };
}

export interface UsageAnswer {
  series: Record<string, number | string>[];
  totals: Record<string, number>;
  collections: { name: string; database: string; records: number; bytes: number }[];
}

/** The tenant's usage over the last day, through the tenant's usage route. */
export async function readUsage(
  target: UsageTarget,
  tenant: string,
  gateway = 0,
): Promise<UsageAnswer> {
  const answer = await caller(target)('GET', `/api/v2/tenants/${tenant}/usage`, undefined, gateway);
  expect(answer.status, answer.text).toBe(200);
  return answer.body as UsageAnswer;
}

/**
 * Polls the usage (every gateway's share arrives within its report interval, writes once
 * compacted) until it equals `expected`, or fails with the last answer at the deadline.
 */
export async function expectUsage(
  target: UsageTarget,
  expected: ExpectedUsage,
  { compacting, deadlineMs = 60_000 }: { compacting: boolean; deadlineMs?: number },
): Promise<UsageAnswer> {
  const want: Record<string, number> = {
    requests: expected.requests,
    queries: expected.queries,
    records_returned: expected.records_returned,
    ...(compacting && {
      records_written: expected.records_written,
      records_deleted: expected.records_deleted,
    }),
  };
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const usage = await readUsage(target, expected.tenant);
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, usage.totals[k]]));
    const stored = usage.series.at(-1)?.stored_records;
    const done =
      JSON.stringify(got) === JSON.stringify(want) &&
      (!compacting || stored === expected.stored_records);
    if (done || Date.now() > deadline) {
      expect(got).toEqual(want);
      if (compacting) {
        expect(stored).toBe(expected.stored_records);
        expect(usage.totals.bytes_written).toBeGreaterThan(0);
        expect(usage.collections).toEqual([
          expect.objectContaining({ name: 'workload', database: 'metered', records: 31 }),
        ]);
        expect(usage.collections[0]!.bytes).toBeGreaterThan(0);
      }
      return usage;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
