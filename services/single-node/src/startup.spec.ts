import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.join(import.meta.dirname, '..', '..', '..');

/** Starts a service's main.ts with only `env` as its HUEDB_* settings. */
function start(service: string, env: Record<string, string>, args: string[] = []) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HUEDB_')),
  );
  const entry = service === 'single-node' ? 'cli.ts' : 'main.ts';
  const child = spawn(
    process.execPath,
    ['--conditions=@huedb/source', '--import', 'tsx', `services/${service}/src/${entry}`, ...args],
    { cwd: REPO, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited, output: () => output };
}

describe('a service started with a wrong setting', () => {
  const cases: [string, Record<string, string>, RegExp, string[]?][] = [
    [
      'catalog',
      { HUEDB_POSTGRES_URL: 'postgres://x', HUEDB_POSTGRES_POOL_MAX: 'ten' },
      /HUEDB_POSTGRES_POOL_MAX=ten/,
    ],
    ['catalog', {}, /HUEDB_POSTGRES_URL is required/],
    ['log', { HUEDB_KAFKA_BROKERS: 'k:1', HUEDB_WAL_PARTITIONS: '0' }, /HUEDB_WAL_PARTITIONS=0/],
    ['query', { HUEDB_QUERY_CACHE_BYTES: '512MB' }, /HUEDB_QUERY_CACHE_BYTES=512MB/],
    ['compactor', { HUEDB_COMPACTION_MIN_RECORDS: '5k' }, /HUEDB_COMPACTION_MIN_RECORDS=5k/],
    ['gateway', { HUEDB_RPC_TIMEOUT_MS: 'soon' }, /HUEDB_RPC_TIMEOUT_MS=soon/],
    ['gateway', { HUEDB_LOG_LEVEL: 'loud' }, /HUEDB_LOG_LEVEL=loud/],
  ];
  for (const [service, env, message, args] of cases) {
    it(`${service} with ${JSON.stringify(env)} ${args?.join(' ') ?? ''} exits 1 naming the variable`, async () => {
      const run = start(service, env, args);
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(message);
      expect(run.output()).toMatch(/"level":60/); // one fatal JSON line, not a stack dump
    }, 30_000);
  }
});

describe('huedb run with a wrong setting', () => {
  it('prints one plain line naming the variable and exits 1', async () => {
    const run = start('single-node', {}, ['run', '--port', 'eighty']);
    expect(await run.exited).toBe(1);
    expect(run.output()).toBe(
      'huedb: HUEDB_PORT=eighty (from --port): expected port (0 = any free port) (not an integer)\n',
    );
  }, 30_000);
});

describe('runService', () => {
  it('serves /metrics, and drains and exits 0 on SIGTERM', async () => {
    const run = start('gateway', { HUEDB_GATEWAY_LISTEN: '127.0.0.1:0' });
    const deadline = Date.now() + 30_000;
    let port: string | undefined;
    while (!port && Date.now() < deadline) {
      port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output())?.[1];
      if (!port) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(port).toBeDefined();
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^nodejs_eventloop_lag_seconds /m);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/"signal":"SIGTERM","msg":"draining"[\s\S]*"msg":"stopped"/);
    expect(run.output()).not.toContain('\u001b[');
  }, 40_000);
});
