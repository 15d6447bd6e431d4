/* global AbortSignal, console, fetch, process */
// `helm test`: a small client scenario against the gateways' Service, as a user's first minutes
// would go — heartbeat, create a collection, add records, count, query the nearest, delete.
// Exits non-zero, saying which step failed, on any unexpected answer.
const base = process.env.GATEWAY_URL;
const token = process.env.HUEDB_ADMIN_TOKEN;
const db = `${base}/api/v2/tenants/default_tenant/databases/default_database`;
const name = `helm-test-${Date.now()}`;

async function call(step, method, url, body) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { 'x-chroma-token': token }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`${step}: ${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  console.log(`ok ${step} (${res.status})`);
  return text ? JSON.parse(text) : undefined;
}

const beat = await call('heartbeat', 'GET', `${base}/api/v2/heartbeat`);
if (typeof beat['nanosecond heartbeat'] !== 'number')
  throw new Error('heartbeat: no nanosecond heartbeat');
const collection = await call('create collection', 'POST', `${db}/collections`, { name });
const records = `${db}/collections/${collection.id}`;
await call('add', 'POST', `${records}/add`, {
  ids: ['red', 'green', 'blue'],
  embeddings: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  documents: ['red', 'green', 'blue'],
});
const count = await call('count', 'GET', `${records}/count`);
if (count !== 3) throw new Error(`count: expected 3, got ${count}`);
const found = await call('query', 'POST', `${records}/query`, {
  query_embeddings: [[0.1, 0.9, 0]],
  n_results: 1,
  include: ['documents'],
});
if (found.ids[0][0] !== 'green')
  throw new Error(`query: expected green, got ${JSON.stringify(found.ids)}`);
await call('delete collection', 'DELETE', `${db}/collections/${name}`);
console.log('helm test: HueDB answers');
