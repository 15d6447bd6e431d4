import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromaEnv, ensureChromaVenv, REFERENCE_CHROMA_VERSION } from './chroma-venv.js';
import { freePort } from './ports.js';
import { REPO_ROOT } from './providers/local.js';

const START_DEADLINE_MS = 120_000;

/**
 * A real `chroma run` (the pinned reference version, installed into the user cache by
 * deploy/local/chroma.sh) on a free loopback port with its own data directory, for tests that
 * compare HueDB's answers with Chroma's. Telemetry is off: these machines reach no such service.
 */
export class ReferenceChroma {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Installs the reference Chroma if needed (minutes, once per machine), then starts it. */
  static async start(): Promise<ReferenceChroma> {
    const { chroma: bin } = await ensureChromaVenv(REFERENCE_CHROMA_VERSION, (m) =>
      console.log(`[huedb/testing] ${m}`),
    );
    const base = path.join(REPO_ROOT, '.data', 'reference-chroma');
    mkdirSync(base, { recursive: true });
    const dataDir = mkdtempSync(path.join(base, 'chroma-'));
    const logFile = `${dataDir}.log`;
    const port = await freePort();
    const log = openSync(logFile, 'a');
    const child = spawn(
      bin,
      ['run', '--path', dataDir, '--host', '127.0.0.1', '--port', String(port)],
      {
        env: { ...chromaEnv(), ALLOW_RESET: 'TRUE' },
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    const chroma = new ReferenceChroma(child, port, dataDir, logFile);
    let exit: string | undefined;
    child.once('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      const ok = await fetch(`${chroma.url}/api/v2/heartbeat`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return chroma;
      if (exit !== undefined || Date.now() > deadline) {
        child.kill('SIGKILL');
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
        throw new Error(
          `reference chroma ${exit ?? 'did not answer in time'} (log ${logFile}):\n${tail}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the server and removes its data. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
