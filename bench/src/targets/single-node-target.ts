import { mkdirSync, rmSync } from 'node:fs';
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

  constructor(private readonly options: BenchOptions) {
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
      },
    });
  }

  get baseUrls(): string[] {
    if (!this.node) throw new Error('single-node not started');
    return [this.node.url];
  }

  // The single node's log is in-process: there is no endpoint to ask for its end.
  get indexedProbe(): IndexedProbe {
    const { maxAgeMs, pollMs } = this.options.compaction;
    return { kind: 'quiet', quietMs: maxAgeMs + 2 * pollMs + 3_000 };
  }

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
