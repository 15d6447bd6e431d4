import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@huedb/testing';
import { buildCompiled, HUEDB, ROOT, until } from './compiled.js';

/*
 * The production build: `pnpm build` (tsc -b) compiles every service, and the `huedb` command runs
 * the compiled single node on plain Node — no tsx, no source condition — through the whole data
 * path: the catalog's SQL migrations, the WAL, a compaction (whose HNSW build runs in a worker
 * thread started from dist/) and a query.
 */

let dir: string;
let child: ChildProcess | undefined;
let base: string;

async function call(method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${method} ${route}: ${response.status}`).toBe(true);
  return response.json();
}

describe('the build graph', () => {
  it("references each package's workspace dependencies, so tsc -b compiles them first", () => {
    const dirs = ['packages', 'services'].flatMap((group) =>
      readdirSync(path.join(ROOT, group)).map((name) => path.join(ROOT, group, name)),
    );
    const byName = new Map<string, string>();
    for (const dir of dirs) {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name: string;
      };
      byName.set(pkg.name, dir);
    }
    for (const dir of dirs) {
      const config = path.join(dir, 'tsconfig.build.json');
      if (!existsSync(config)) continue;
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const wanted = Object.entries(pkg.dependencies ?? {})
        .filter(([, version]) => version.startsWith('workspace:'))
        .map(([name]) => path.join(byName.get(name)!, 'tsconfig.build.json'))
        .sort();
      const { references = [] } = JSON.parse(readFileSync(config, 'utf8')) as {
        references?: { path: string }[];
      };
      const actual = references.map((r) => path.resolve(dir, r.path)).sort();
      expect(actual, path.relative(ROOT, config)).toEqual(wanted);
    }
  });
});

describe('the compiled build', () => {
  beforeAll(async () => {
    await buildCompiled();
    dir = mkdtempSync(path.join(tmpdir(), 'huedb-compiled-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [HUEDB, 'run', '--path', dir, '--port', String(port)], {
      env: { ...process.env, HUEDB_COMPACTION_MIN_RECORDS: '10', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await until('the compiled single node serves', async () =>
      (await fetch(`${base}/api/v2/healthcheck`)).ok ? true : undefined,
    );
  }, 240_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs on plain node from dist/: no TypeScript loader, no source condition', () => {
    const cmdline = readFileSync(`/proc/${child!.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).not.toContain('--import');
    expect(cmdline.join(' ')).not.toMatch(/tsx|@huedb\/source/);
  });

  it('stores, compacts in a worker thread and queries', async () => {
    const db = '/api/v2/tenants/default_tenant/databases/default_database';
    const { id } = (await call('POST', `${db}/collections`, { name: 'compiled' })) as {
      id: string;
    };
    const ids = Array.from({ length: 50 }, (_, i) => `r${i}`);
    await call('POST', `${db}/collections/${id}/add`, {
      ids,
      embeddings: ids.map((_, i) => [i, i + 1, i + 2]),
      documents: ids.map((_, i) => `document ${i}`),
    });
    await until('compaction indexed every record', async () => {
      const status = (await call('GET', `${db}/collections/${id}/indexing_status`)) as {
        num_unindexed_ops: number;
      };
      return status.num_unindexed_ops === 0 ? status : undefined;
    });
    const answer = (await call('POST', `${db}/collections/${id}/query`, {
      query_embeddings: [[3, 4, 5.4]],
      n_results: 2,
      include: ['documents'],
    })) as { ids: string[][]; documents: string[][] };
    expect(answer.ids).toEqual([['r3', 'r4']]);
    expect(answer.documents).toEqual([['document 3', 'document 4']]);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
