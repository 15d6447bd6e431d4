import { mkdirSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleNodeProcess } from '@huedb/testing';
import type { BenchOptions } from '../options.js';
import { REPO_ROOT } from '../options.js';
import type { IndexedProbe, ServerTarget } from './target.js';

/**
 * Single-node HueDB (`services/single-node/src/cli.ts run`) as a child process on a fresh data
 * directory (@huedb/testing's SingleNodeProcess). Its cold start restarts the whole process.
 */
export class SingleNodeTarget implements ServerTarget {
  readonly name = 'single-node';
  private node: SingleNodeProcess | undefined;
  private readonly dataDir: string;

  /**
   * `env`: more environment for the process (the fresh-tail bench turns compaction off with
   * `HUEDB_COMPACTION=off`, or asks for a CPU profile through NODE_OPTIONS).
   */
  constructor(
    private readonly options: BenchOptions,
    private readonly env: Record<string, string> = {},
  ) {
    this.dataDir = path.join(
      REPO_ROOT,
      '.data',
      'bench',
      `single-node-${process.pid}-${Date.now().toString(36)}`,
    );
  }

  async start(): Promise<void> {
    mkdirSync(path.dirname(this.dataDir), { recursive: true });
    const { compaction } = this.options;
    this.node = await SingleNodeProcess.start({
      dataDir: this.dataDir,
      env: {
        HUEDB_COMPACTION_MIN_RECORDS: String(compaction.minRecords),
        HUEDB_COMPACTION_MAX_AGE_MS: String(compaction.maxAgeMs),
        HUEDB_COMPACTION_POLL_MS: String(compaction.pollMs),
        ...this.env,
      },
    });
  }

  get baseUrls(): string[] {
    if (!this.node) throw new Error('single-node not started');
    return [this.node.url];
  }

  /**
   * The single node's log is in-process, so nothing answers "where does the log end"; but its
   * object store is this directory, laid out as docs/architecture.md describes
   * (`tenants/<tenant>/databases/<database>/collections/<id>/v<version>-<uuid>/manifest.json`,
   * the manifest written last and atomically), and a manifest says how many records its version
   * holds.
   */
  readonly indexedProbe: IndexedProbe = {
    kind: 'segment-records',
    latestSegment: async (collectionId) => {
      const root = path.join(this.dataDir, 'objects', 'objects', 'tenants');
      for (const tenant of await children(root)) {
        for (const database of await children(path.join(root, tenant, 'databases'))) {
          const dir = path.join(root, tenant, 'databases', database, 'collections', collectionId);
          const versions = (await children(dir))
            .map((name) => ({ name, version: Number(/^v(\d+)-/.exec(name)?.[1] ?? NaN) }))
            .filter((v) => Number.isInteger(v.version))
            .sort((a, b) => b.version - a.version);
          const newest = versions[0];
          if (!newest) continue;
          // Garbage collection may remove an old version between the listing and the read.
          const manifest = await readFile(
            path.join(dir, newest.name, 'manifest.json'),
            'utf8',
          ).catch(() => undefined);
          if (manifest === undefined) return undefined;
          const { recordCount } = JSON.parse(manifest) as { recordCount: number };
          return { version: newest.version, records: recordCount };
        }
      }
      return undefined;
    },
  };

  async restartQueryNode(): Promise<{ restartMs: number; what: string }> {
    if (!this.node) throw new Error('single-node not started');
    const restartMs = await this.node.restart('SIGTERM');
    return {
      restartMs,
      what: 'the single-node process stopped (SIGTERM) and started again until /api/v2/healthcheck answers',
    };
  }

  async stop(): Promise<void> {
    await this.node?.kill('SIGTERM');
    this.node = undefined;
    // The data goes (it can be GiBs); the log stays beside it in .data/bench for a post-mortem.
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  describe(): Record<string, string> {
    const c = this.options.compaction;
    return {
      processes:
        '1 Node process (gateway, catalog on PGlite, local WAL, compactor, query), run from source with tsx',
      compaction: `min ${c.minRecords} records or max age ${c.maxAgeMs} ms, polled every ${c.pollMs} ms`,
      log: path.relative(REPO_ROOT, `${this.dataDir}.log`),
    };
  }
}

/** Entry names of a directory; none when it does not exist (yet). */
async function children(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
