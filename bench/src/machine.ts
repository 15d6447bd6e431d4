import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadAverage } from './measure.js';
import { REPO_ROOT } from './options.js';

/** What the figures were measured on (written into every result). */
export interface Machine {
  hostname: string;
  nproc: number;
  cpuModel: string;
  cpuFlags: string;
  memoryGiB: number;
  os: string;
  node: string;
  hnswlibNode: string;
  /** Whether the compiled hnswlib-node addon contains AVX2/FMA instructions. */
  hnswlibSimd: string;
  gitCommit: string;
  /** 1-minute load average at start and end: other work on the machine skews absolute figures. */
  loadAtStart: number;
  loadAtEnd?: number;
}

function quiet(f: () => string, fallback = 'unknown'): string {
  try {
    return f().trim() || fallback;
  } catch {
    return fallback;
  }
}

/** Facts about this machine. */
export function describeMachine(): Machine {
  const cpuinfo = quiet(() => readFileSync('/proc/cpuinfo', 'utf8'), '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  const require = createRequire(path.join(REPO_ROOT, 'bench', 'package.json'));
  const hnswlibPackage = quiet(() => require.resolve('hnswlib-node/package.json'), '');
  const addon = hnswlibPackage
    ? path.join(path.dirname(hnswlibPackage), 'build', 'Release', 'addon.node')
    : '';
  const simd = quiet(() => {
    const fma = execFileSync('objdump', ['-d', addon], { maxBuffer: 256 * 2 ** 20 })
      .toString()
      .match(/\bvfmadd/g);
    return fma
      ? `AVX2/FMA (${fma.length} FMA instructions in addon.node)`
      : 'no FMA instructions in addon.node (SSE build)';
  }, 'unknown (objdump unavailable)');
  const dirty = quiet(
    () => execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT }).toString(),
    '',
  );
  return {
    hostname: os.hostname(),
    nproc: os.availableParallelism(),
    cpuModel: model.replace(/\s+/g, ' '),
    cpuFlags: ['avx2', 'fma', 'avx512f']
      .map((f) => `${f}:${flags.has(f) ? 'yes' : 'no'}`)
      .join(' '),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${quiet(() => readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)/m)?.[1] ?? '', os.type())}, kernel ${os.release()}`,
    node: process.version,
    hnswlibNode: quiet(
      () => (JSON.parse(readFileSync(hnswlibPackage, 'utf8')) as { version: string }).version,
    ),
    hnswlibSimd: simd,
    gitCommit: `${quiet(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).toString())}${dirty ? ' (uncommitted changes)' : ''}`,
    loadAtStart: loadAverage(),
  };
}
