import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { runCommand } from '@huedb/testing';
import { rawJsonNumber } from '../../src/transfer/float-json.js';

/** The repository's root (the CLI runs from it, as `make start` does). */
export const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const CHECKER = path.join(import.meta.dirname, 'transfer_check.py');

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `huedb <args>` from source, without the test run's HUEDB_* settings. */
export function huedb(args: string[], { tty = false }: { tty?: boolean } = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('HUEDB_')),
  );
  const argv = [
    '--conditions=@huedb/source',
    '--import',
    'tsx',
    path.join('services', 'single-node', 'src', 'cli.ts'),
    ...args,
  ];
  // util-linux's `script` gives the command a pseudo-terminal: stderr is a TTY, so bars draw.
  const quoted = [process.execPath, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child: ChildProcess = tty
    ? spawn('script', ['-qefc', quoted, '/dev/null'], {
        cwd: REPO,
        env: { ...env, COLUMNS: '160', TERM: 'xterm' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, argv, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const outcome: Outcome = { code: null, stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (outcome.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (outcome.stderr += d.toString()));
  const exited = new Promise<Outcome>((resolve) =>
    child.once('close', (code) => resolve({ ...outcome, code })),
  );
  return { child, exited };
}

/** What transfer_check.py (the reference Chroma's Python, pyarrow beside it) says. */
export async function check<T>(python: string, args: string[]): Promise<T> {
  const out = await runCommand(python, [CHECKER, ...args], { timeoutMs: 300_000 });
  return JSON.parse(out) as T;
}

/** A seeded generator (mulberry32): the same records on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records with every kind of value Chroma keeps: nulls, unicode, integral floats, bools, uris. */
export function makeRecords(n: number, dimension: number, seed: number, prefix = 'rec') {
  const next = random(seed);
  const ids: string[] = [];
  const embeddings: number[][] = [];
  const documents: (string | null)[] = [];
  const metadatas: (Record<string, unknown> | null)[] = [];
  const uris: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(i % 1000 === 7 ? `${prefix}-${i}-日本語-🎉` : `${prefix}-${i}`);
    embeddings.push(Array.from({ length: dimension }, () => Math.fround(next() * 2 - 1)));
    documents.push(
      i % 11 === 0 ? null : `document ${i}: ünïcödé ✓ 中文 🎉 "quoted" \\ line\nbreak \u2028`,
    );
    metadatas.push(
      i % 13 === 0
        ? null
        : {
            int: i,
            // An integral float: JSON text `12.0`, a float to Chroma and to Python.
            float: rawJsonNumber(`${i % 100}.0`),
            frac: Math.fround(next()),
            bool: i % 2 === 0,
            str: `värde-${i % 17}`,
            'ключ ✓': 'unicode key',
          },
    );
    uris.push(i % 17 === 0 ? `s3://bucket/${i}.png` : null);
  }
  return { ids, embeddings, documents, metadatas, uris };
}

/** Chroma's API on a server: enough to set up collections and read them back. */
export class Api {
  constructor(
    readonly url: string,
    private readonly database = 'default_database',
  ) {}

  private get db() {
    return `${this.url}/api/v2/tenants/default_tenant/databases/${this.database}`;
  }

  async call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.db}${pathname}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async create(name: string, settings: Record<string, unknown> = {}): Promise<{ id: string }> {
    return this.call('POST', '/collections', { name, ...settings });
  }

  /** Adds records in batches of `batch`. */
  async add(id: string, records: ReturnType<typeof makeRecords>, batch = 5000): Promise<void> {
    for (let at = 0; at < records.ids.length; at += batch) {
      const slice = <T>(values: T[]) => values.slice(at, at + batch);
      await this.call('POST', `/collections/${id}/add`, {
        ids: slice(records.ids),
        embeddings: slice(records.embeddings),
        documents: slice(records.documents),
        metadatas: slice(records.metadatas),
        uris: slice(records.uris),
      });
    }
  }

  /** A collection's `get` answer as text (to be parsed keeping floats). */
  async raw(name: string, body: unknown): Promise<string> {
    const { id } = await this.call<{ id: string }>('GET', `/collections/${name}`);
    const res = await fetch(`${this.db}/collections/${id}/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`get ${name}: ${res.status} ${text}`);
    return text;
  }

  async count(name: string): Promise<number> {
    const { id } = await this.call<{ id: string }>('GET', `/collections/${name}`);
    return this.call('GET', `/collections/${id}/count`);
  }
}

/** `copied "big": 100,000 records in 9.1 s (10,989 records/s)` → records/s for `name`. */
export function rateOf(stdout: string, verb: string, name: string): number {
  const line = stdout.split('\n').find((l) => l.startsWith(`${verb} `) && l.includes(`"${name}"`));
  const rate = /\(([\d,]+) records\/s\)/.exec(line ?? '')?.[1];
  if (!rate) throw new Error(`no "${verb}" line for ${name} in:\n${stdout}`);
  return Number(rate.replace(/,/g, ''));
}
