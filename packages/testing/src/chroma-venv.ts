/**
 * The reference Chroma (`chroma run` and its Python client) for benchmarks and compatibility
 * tests: a virtualenv in HueDB's cache, installed from PyPI on first use.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

function cacheDir(): string {
  return (
    process.env.HUEDB_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huedb')
  );
}

const MARKER = '.huedb-installed';
let installing: Promise<ChromaVenv> | undefined;

/**
 * The reference Chroma, installed on first use: `python3 -m venv <cache>/chroma-venv-<version>`
 * and `pip install chromadb==<version>` from PyPI (a few minutes, once per machine). A marker file
 * written after pip succeeds tells a complete install from an interrupted one, which is redone.
 */
export function ensureChromaVenv(version: string, log: (m: string) => void): Promise<ChromaVenv> {
  installing ??= install(version, log).catch((err: unknown) => {
    installing = undefined;
    throw err;
  });
  return installing;
}

async function install(version: string, log: (m: string) => void): Promise<ChromaVenv> {
  const dir = path.join(cacheDir(), `chroma-venv-${version}`);
  const venv: ChromaVenv = {
    dir,
    python: path.join(dir, 'bin', 'python'),
    chroma: path.join(dir, 'bin', 'chroma'),
    version,
  };
  const marker = path.join(dir, MARKER);
  if (
    existsSync(marker) &&
    readFileSync(marker, 'utf8').trim() === version &&
    existsSync(venv.chroma)
  )
    return venv;
  log(`installing chromadb==${version} into ${dir} (once per machine)…`);
  rmSync(dir, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', dir], { timeoutMs: 120_000 });
  await run(
    path.join(dir, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `chromadb==${version}`],
    {
      timeoutMs: 20 * 60_000,
    },
  );
  if (!existsSync(venv.chroma))
    throw new Error(`pip installed chromadb==${version} but ${venv.chroma} is missing`);
  writeFileSync(marker, `${version}\n`);
  log(`chromadb==${version} installed`);
  return venv;
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
