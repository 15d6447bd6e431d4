import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseKeyValueLines } from './infra.js';
import { freePort } from './ports.js';
import { REPO_ROOT } from './providers/local.js';

const run = promisify(execFile);
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
    const bin = (await installReferenceChroma()).CHROMA_BIN!;
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
        env: {
          ...process.env,
          ANONYMIZED_TELEMETRY: 'False',
          CHROMA_TELEMETRY: 'False',
          ALLOW_RESET: 'TRUE',
        },
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

/** Runs deploy/local/chroma.sh install; returns its CHROMA_BIN / CHROMA_PYTHON lines. */
export async function installReferenceChroma(): Promise<Record<string, string>> {
  const script = path.join(REPO_ROOT, 'deploy', 'local', 'chroma.sh');
  try {
    const { stdout } = await run(script, ['install'], {
      timeout: 30 * 60 * 1000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const lines = parseKeyValueLines(stdout);
    if (!lines.CHROMA_BIN) throw new Error(`no CHROMA_BIN in: ${stdout}`);
    return lines;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`deploy/local/chroma.sh install failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}
