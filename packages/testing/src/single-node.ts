import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './providers/local.js';
import { freePort } from './ports.js';

const START_DEADLINE_MS = 120_000;

/**
 * Single-node HueDB (`huedb run`) as a child process, for e2e and crash tests: its own data
 * directory, a free port, readiness by /api/v2/healthcheck. Can be killed (-9 or gracefully) and
 * started again on the same directory.
 */
export class SingleNodeProcess {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly logFile: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Starts a node on a new data directory (or `dataDir`). */
  static async start(
    options: { dataDir?: string; env?: Record<string, string> } = {},
  ): Promise<SingleNodeProcess> {
    const base = path.join(REPO_ROOT, '.data', 'single-node');
    mkdirSync(base, { recursive: true });
    const dataDir = options.dataDir ?? mkdtempSync(path.join(base, 'node-'));
    const node = new SingleNodeProcess(
      dataDir,
      await freePort(),
      `${dataDir}.log`,
      options.env ?? {},
    );
    await node.launch();
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the process: SIGTERM (graceful) or SIGKILL (crash). Resolves when it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  /** Starts it again on the same directory and port; resolves when it serves. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
    await this.kill(signal);
    const started = Date.now();
    await this.launch();
    return Date.now() - started;
  }

  private async launch(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@huedb/source',
        '--import',
        'tsx',
        path.join('services', 'single-node', 'src', 'cli.ts'),
        'run',
        '--path',
        this.dataDir,
        '--port',
        String(this.port),
        '--allow-reset',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    let exit: string | undefined;
    child.once('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      const ok = await fetch(`${this.url}/api/v2/healthcheck`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      if (exit !== undefined || Date.now() > deadline) {
        const tail = readFileSync(this.logFile, 'utf8').split('\n').slice(-30).join('\n');
        throw new Error(
          `single-node ${exit ?? 'did not become ready in time'} (log ${this.logFile}):\n${tail}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
