/**
 * The reference Chroma (`chroma run` and its Python client) for benchmarks and compatibility
 * tests: a virtualenv in HueDB's cache, installed from PyPI on first use.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseKeyValueLines } from './infra.js';
import { REPO_ROOT } from './providers/local.js';

/** The reference Chroma's virtualenv: its python (with the chromadb client) and `chroma`. */
export interface ChromaVenv {
  /** The virtualenv's directory. */
  dir: string;
  /** Its python, with the `chromadb` client importable. */
  python: string;
  /** Its `chroma` CLI (`chroma run`). */
  chroma: string;
  /** The chromadb version installed. */
  version: string;
}

/** The Chroma version HueDB is compared with (docs: Chroma 1.5.9 is the reference). */
export const REFERENCE_CHROMA_VERSION = '1.5.9';

/** Runs a command to completion; rejects with its output's tail when it fails or times out. */
export function run(
  command: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const tail = (err || out).trim().split('\n').slice(-15).join('\n');
        reject(
          new Error(
            `${path.basename(command)} ${args.slice(0, 2).join(' ')} exited with ${signal ?? code}${signal === 'SIGKILL' ? ' (timed out?)' : ''}:\n${tail}`,
          ),
        );
      }
    });
  });
}

let installing: Promise<ChromaVenv> | undefined;

/**
 * The reference Chroma, installed on first use by deploy/local/chroma.sh (the one recipe for
 * tests and benchmarks: a virtualenv in the user cache, `pip install chromadb==<version>`, a few
 * minutes once per machine, a marker telling a complete install from an interrupted one).
 */
export function ensureChromaVenv(version: string, log: (m: string) => void): Promise<ChromaVenv> {
  installing ??= install(version, log).catch((err: unknown) => {
    installing = undefined;
    throw err;
  });
  return installing;
}

async function install(version: string, log: (m: string) => void): Promise<ChromaVenv> {
  log(
    `ensuring chromadb==${version} (deploy/local/chroma.sh; minutes the first time on a machine)`,
  );
  const out = await run(path.join(REPO_ROOT, 'deploy', 'local', 'chroma.sh'), ['install'], {
    timeoutMs: 30 * 60_000,
    env: { ...process.env, HUEDB_CHROMA_VERSION: version },
  });
  const { CHROMA_BIN: chroma, CHROMA_PYTHON: python } = parseKeyValueLines(out);
  if (!chroma || !python) throw new Error(`deploy/local/chroma.sh printed no paths:\n${out}`);
  return { dir: path.dirname(path.dirname(chroma)), python, chroma, version };
}

/** Environment for Chroma processes: no telemetry (the machines reach only package registries). */
export function chromaEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANONYMIZED_TELEMETRY: 'False',
    CHROMA_TELEMETRY: 'False',
    PYTHONUNBUFFERED: '1',
  };
}
