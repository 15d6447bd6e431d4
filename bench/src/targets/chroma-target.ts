import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@huedb/testing';
import type { BenchOptions } from '../options.js';
import { REPO_ROOT } from '../options.js';
import { pollUntil } from '../measure.js';
import { chromaEnv, ensureChromaVenv, run, type ChromaVenv } from '../python.js';
import type { IndexedProbe, ServerTarget } from './target.js';

const START_TIMEOUT_MS = 120_000;

/**
 * The reference Chroma: `chroma run --path <dir>` (Chroma's own Rust server, local persistent
 * mode) from a virtualenv the bench installs on first use, on a loopback port.
 */
export class ChromaTarget implements ServerTarget {
  readonly name = 'chroma';
  private child: ChildProcess | undefined;
  private venv: ChromaVenv | undefined;
  private port = 0;
  private readonly dataDir: string;
  private readonly logFile: string;

  constructor(
    private readonly options: BenchOptions,
    private readonly log: (m: string) => void,
  ) {
    this.dataDir = path.join(
      REPO_ROOT,
      '.data',
      'bench',
      `chroma-${process.pid}-${Date.now().toString(36)}`,
    );
    this.logFile = `${this.dataDir}.log`;
  }

  async start(): Promise<void> {
    this.venv = await ensureChromaVenv(this.options.chromaVersion, this.log);
    mkdirSync(this.dataDir, { recursive: true });
    this.port = await freePort();
    await this.launch();
  }

  get baseUrls(): string[] {
    return [`http://127.0.0.1:${this.port}`];
  }

  readonly indexedProbe: IndexedProbe = {
    kind: 'synchronous',
    why: "Chroma's local mode applies its log to the HNSW segment before add returns",
  };

  async restartQueryNode(): Promise<{ restartMs: number; what: string }> {
    await this.kill();
    const started = performance.now();
    await this.launch();
    return {
      restartMs: performance.now() - started,
      what: 'the chroma run process stopped (SIGTERM) and started again until /api/v2/heartbeat answers',
    };
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  describe(): Record<string, string> {
    return {
      server: `chroma run ${this.venv?.version ?? this.options.chromaVersion} (pip chromadb, local persistent mode) from ${this.venv?.dir ?? '?'}`,
      log: path.relative(REPO_ROOT, this.logFile),
    };
  }

  /** The chromadb Python client's version in the venv (what drives this target by default). */
  async clientVersion(): Promise<string> {
    if (!this.venv) return '?';
    return (
      await run(this.venv.python, ['-c', 'import chromadb; print(chromadb.__version__)'], {
        timeoutMs: 60_000,
        env: chromaEnv(),
      })
    ).trim();
  }

  private async launch(): Promise<void> {
    const venv = this.venv!;
    const log = openSync(this.logFile, 'a');
    const child = spawn(
      venv.chroma,
      ['run', '--path', this.dataDir, '--host', '127.0.0.1', '--port', String(this.port)],
      {
        env: chromaEnv(),
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    this.child = child;
    let exit: string | undefined;
    child.once('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));
    await pollUntil('chroma run to answer /api/v2/heartbeat', START_TIMEOUT_MS, 100, async () => {
      if (exit !== undefined) {
        const tail = readFileSync(this.logFile, 'utf8').split('\n').slice(-20).join('\n');
        throw new Error(`chroma run ${exit} (log ${this.logFile}):\n${tail}`);
      }
      const ok = await fetch(`${this.baseUrls[0]}/api/v2/heartbeat`)
        .then((r) => r.ok)
        .catch(() => false);
      return ok ? true : undefined;
    });
  }

  private async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
