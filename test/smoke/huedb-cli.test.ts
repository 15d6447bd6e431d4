import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@huedb/testing';
import { buildCompiled, HUEDB, ROOT, until } from './compiled.js';

/*
 * The shipped `huedb` command (bin/huedb.mjs → the compiled dist/cli.js on plain node): its
 * version, help and usage errors, and the one-line startup failures a user meets first — a busy
 * port, a data directory another HueDB holds, a wrong value — each with its hint and exit code,
 * and no stack trace unless --debug.
 */

const VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, 'services', 'single-node', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
/** A line of a stack trace. */
const STACK_LINE = /^\s+at /m;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without HUEDB_* settings (the test infrastructure's must not leak in). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('HUEDB_')),
  );
  return { ...env, NODE_OPTIONS: '', ...extra };
}

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [HUEDB, ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const outcome: Outcome = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (outcome.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (outcome.stderr += d.toString()));
  const exited = new Promise<Outcome>((resolve) =>
    child.once('close', (code) => resolve({ ...outcome, code })),
  );
  return { child, exited };
}

const huedb = (args: string[], env?: Record<string, string>) => start(args, env).exited;

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'huedb-cli-'));
  dirs.push(dir);
  return dir;
}

beforeAll(() => buildCompiled(), 240_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('huedb --version, --help and usage errors', () => {
  it('--version and -V print the version and exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout, stderr } = await huedb([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`huedb ${VERSION} (node ${process.version})\n`);
      expect(stderr).toBe('');
    }
  });

  it('--help lists the commands; run --help every setting with its description and default', async () => {
    const program = await huedb(['--help']);
    expect(program.code).toBe(0);
    expect(program.stdout).toMatch(/^Usage: huedb \[options\] \[command\]/);
    expect(program.stdout).toMatch(/^ {2}run \[options\] +Run single-node HueDB/m);
    expect(program.stdout).toMatch(/^ {2}copy \[options\] +Copy collections from one server/m);
    expect(program.stdout).toMatch(
      /^ {2}export \[options\] <collection> <file> +Write a collection/m,
    );
    expect(program.stdout).toMatch(/^ {2}import \[options\] <file> +Read a file/m);
    for (const command of ['copy', 'export', 'import']) {
      const help = await huedb([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--batch-size <records>');
    }

    const run = await huedb(['run', '--help']);
    expect(run.code).toBe(0);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      "--path <value> Single-node's data directory (created if missing). (path; default: ./data; env: HUEDB_DATA)",
    );
    expect(help).toContain('--port <value> The port single-node serves the Chroma API on.');
    expect(help).toContain('default: 8000; env: HUEDB_PORT');
    expect(help).toMatch(
      /--auth \[true\|false\] Whether every route .* default: false; env: HUEDB_AUTH/,
    );
    expect(help).toContain('--config <file>');
    expect(help).toContain('--debug [true|false]');
  });

  it('an unknown option or command is one line with a hint, exit 2', async () => {
    const option = await huedb(['run', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("huedb: unknown option '--bogus' (see `huedb run --help`)\n");
    expect(option.stdout).toBe('');

    const command = await huedb(['frob']);
    expect(command.code).toBe(2);
    expect(command.stderr).toBe("huedb: unknown command 'frob' (see `huedb --help`)\n");
  });
});

describe('huedb run: a startup failure is one line with a hint, exit 1', () => {
  let occupied: Server;
  let busyPort: number;

  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    busyPort = (occupied.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => occupied.close(() => resolve())));

  it('a port in use', async () => {
    const { code, stderr } = await huedb(['run', '--path', dataDir(), '--port', String(busyPort)]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `huedb: port ${busyPort} on 127.0.0.1 is in use (another HueDB or chroma?): stop it or pass --port\n`,
    );
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('--debug (or HUEDB_DEBUG=1) adds the stack trace', async () => {
    const args = () => ['run', '--path', dataDir(), '--port', String(busyPort)];
    for (const run of [huedb([...args(), '--debug']), huedb(args(), { HUEDB_DEBUG: '1' })]) {
      const { code, stderr } = await run;
      expect(code).toBe(1);
      expect(stderr.split('\n')[0]).toBe(
        `huedb: port ${busyPort} on 127.0.0.1 is in use (another HueDB or chroma?): stop it or pass --port`,
      );
      expect(stderr).toMatch(/EADDRINUSE/);
      expect(stderr).toMatch(STACK_LINE);
    }
  });

  it('a wrong value: the settings error as is', async () => {
    const { code, stderr } = await huedb(['run', '--path', dataDir(), '--port', 'abc']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'huedb: HUEDB_PORT=abc (from --port): expected port (0 = any free port) (not an integer)\n',
    );
  });

  describe('a data directory another HueDB holds', () => {
    let first: ChildProcess;
    let dir: string;

    beforeAll(async () => {
      dir = dataDir();
      const port = await freePort();
      first = start(['run', '--path', dir, '--port', String(port)]).child;
      await until('the first node serves', async () =>
        (await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`)).ok ? true : undefined,
      );
    }, 120_000);

    afterAll(async () => {
      if (first.exitCode !== null) return;
      const exited = new Promise((resolve) => first.once('exit', resolve));
      first.kill('SIGTERM');
      await exited;
    });

    it('names the process holding it', async () => {
      const second = await huedb(['run', '--path', dir, '--port', String(await freePort())]);
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(
        `huedb: ${dir} is in use by HueDB process ${first.pid}: stop it or pass --path\n`,
      );
      expect(second.stderr).not.toMatch(STACK_LINE);
      // The node holding it keeps running.
      expect(first.exitCode).toBeNull();
    });
  });
});
