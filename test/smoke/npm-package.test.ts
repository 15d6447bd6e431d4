import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChromaClient } from 'chromadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@huedb/testing';
import { buildCompiled, ROOT, until } from './compiled.js';

/*
 * The `huedb` npm package (decision 0032), as a user gets it: `scripts/pack.sh` makes
 * huedb-<version>.tgz; `npm install -g` puts it into a fresh prefix (dependencies from the npm
 * registry through a cache in ~/.cache/huedb, hnswlib-node compiled on the spot), and the
 * installed command, started outside the checkout, serves the official client — through the
 * catalog's migrations, a compaction in the HNSW worker, a Unicode regex, the OpenAPI document
 * and Swagger UI, each a file the bundle finds by URL — and stops cleanly on SIGTERM. `npx` runs
 * the same tarball without installing.
 */

const run = promisify(execFile);
const VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, 'services', 'single-node', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const CACHE = path.join(
  process.env.HUEDB_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'huedb'),
);
/** npm's cache (packuments, tarballs, npx's installs): kept between runs, so warm runs are fast. */
const NPM_CACHE = path.join(CACHE, 'npm');
/** The pinned Node's directory: its headers (include/node) let node-gyp build offline. */
const NODE_DIR = path.dirname(path.dirname(process.execPath));
const STACK_LINE = /^\s+at /m;

let work: string;
let tarball: string;
let prefix: string;

/**
 * What npm and the installed command see: no HUEDB_* setting of the test infrastructure, no
 * npm_* variable of the pnpm that started vitest, the pinned Node first on PATH (the command's
 * `#!/usr/bin/env node`).
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(huedb_|npm_|pnpm_)/i.test(name)),
  );
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    NODE_OPTIONS: '',
    npm_config_cache: NPM_CACHE,
    npm_config_nodedir: NODE_DIR,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // swagger-ui-dist's dependency reports installs to scarf.sh unless told not to.
    SCARF_ANALYTICS: 'false',
    ...extra,
  };
}

/** Runs `file args` to completion in the work directory; its timing goes to the test's log. */
async function timed(what: string, file: string, args: string[]) {
  const started = Date.now();
  const result = await run(file, args, { cwd: work, env: cleanEnv(), maxBuffer: 64 << 20 });
  console.info(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

beforeAll(async () => {
  await buildCompiled();
  work = mkdtempSync(path.join(tmpdir(), 'huedb-npm-'));
  prefix = path.join(work, 'prefix');
  const { stdout } = await timed('pack', path.join(ROOT, 'scripts', 'pack.sh'), [
    '--no-build',
    '--out',
    work,
  ]);
  tarball = stdout.trim().split('\n').at(-1)!;
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is huedb-<version>.tgz of a package that bundles no workspace package', async () => {
    expect(path.basename(tarball)).toBe(`huedb-${VERSION}.tgz`);
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout) as Record<string, unknown> & {
      dependencies: Record<string, string>;
    };
    expect(manifest).toMatchObject({
      name: 'huedb',
      version: VERSION,
      bin: { huedb: 'bin/huedb.mjs' },
      engines: { node: '>=24' },
      license: 'Apache-2.0',
    });
    // npm's global installs leave a bundling package's other dependencies empty (npm 10–12).
    expect(manifest).not.toHaveProperty('bundleDependencies');
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@huedb/'))).toEqual(
      [],
    );
    expect(manifest.dependencies).toHaveProperty('hnswlib-node');
  });
});

describe('npm install -g of the tarball', () => {
  let child: ChildProcess | undefined;
  let stderr = '';
  let client: ChromaClient;
  let base: string;

  beforeAll(async () => {
    await timed('npm install -g', 'npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      // Recent npm asks which dependencies may run install scripts: hnswlib-node compiles.
      '--allow-scripts=hnswlib-node',
      tarball,
    ]);
  }, 900_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('installs the command, which says its version', async () => {
    const { stdout } = await run(path.join(prefix, 'bin', 'huedb'), ['--version'], {
      cwd: work,
      env: cleanEnv(),
    });
    expect(stdout).toBe(`huedb ${VERSION} (node ${process.version})\n`);
  });

  it('installs no build tool of the workspace', () => {
    const installed = readdirSync(
      path.join(prefix, 'lib', 'node_modules', 'huedb', 'node_modules'),
    );
    for (const tool of ['tsx', 'typescript', 'vitest', 'esbuild', '@huedb']) {
      expect(installed).not.toContain(tool);
    }
  });

  it('runs HueDB from outside the checkout, with its own native modules', async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const data = path.join(work, 'data');
    child = spawn(path.join(prefix, 'bin', 'huedb'), ['run', '--path', data, '--port', `${port}`], {
      cwd: work,
      env: cleanEnv({ HUEDB_COMPACTION_MIN_RECORDS: '10' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const heartbeat = await until('the installed huedb serves', async () => {
      const response = await fetch(`${base}/api/v2/heartbeat`);
      return response.ok ? ((await response.json()) as Record<string, number>) : undefined;
    });
    expect(heartbeat['nanosecond heartbeat']).toBeGreaterThan(0);
    const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
    const addons = [...new Set(maps.match(/\/\S+\.node$/gm))];
    expect(addons.some((file) => file.includes('hnswlib-node'))).toBe(true);
    for (const addon of addons) expect(addon.startsWith(`${prefix}/`), addon).toBe(true);
  });

  it('serves the official client: add, compaction in the HNSW worker, query, regex', async () => {
    client = new ChromaClient({ host: '127.0.0.1', port: Number(new URL(base).port), ssl: false });
    const collection = await client.createCollection({ name: 'npm', embeddingFunction: null });
    const ids = Array.from({ length: 40 }, (_, i) => `r${i}`);
    await collection.add({
      ids,
      embeddings: ids.map((_, i) => [i, i + 1, i + 2]),
      documents: ids.map((_, i) => (i % 2 ? `Ödön ${i}` : `document ${i}`)),
    });
    const route = `/api/v2/tenants/default_tenant/databases/default_database/collections/${collection.id}/indexing_status`;
    await until('compaction indexed every record', async () => {
      const status = (await (await fetch(`${base}${route}`)).json()) as {
        num_unindexed_ops: number;
      };
      return status.num_unindexed_ops === 0 ? status : undefined;
    });
    const answer = await collection.query({ queryEmbeddings: [[3, 4, 5.4]], nResults: 2 });
    expect(answer.ids).toEqual([['r3', 'r4']]);
    // \p{Lu}: the regex engine's Unicode tables, required at run time by path.
    const upper = await collection.get({ whereDocument: { $regex: '^\\p{Lu}' } });
    expect(upper.ids.length).toBe(20);
  });

  it('serves its OpenAPI document and Swagger UI', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string };
    expect(document.openapi).toMatch(/^3\./);
    const css = await fetch(`${base}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect((await css.text()).length).toBeGreaterThan(1000);
  });

  it('exits 0 on SIGTERM, with nothing on stderr', async () => {
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(stderr).toBe('');
  });
});

describe('npx of the tarball', () => {
  it('runs huedb without installing it', async () => {
    // npx keeps one install per package spec in the npm cache: a stable path per checkout makes
    // warm runs reuse it (npx re-extracts the tarball when its content changed).
    const checkout = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
    const dir = path.join(CACHE, 'npm-package', checkout);
    mkdirSync(dir, { recursive: true });
    const stable = path.join(dir, path.basename(tarball));
    copyFileSync(tarball, stable);
    const { stdout } = await timed('npx', 'npx', [
      '--yes',
      '--allow-scripts=hnswlib-node',
      '--package',
      stable,
      'huedb',
      '--version',
    ]);
    expect(stdout).toBe(`huedb ${VERSION} (node ${process.version})\n`);
  }, 900_000);
});
