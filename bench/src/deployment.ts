import path from 'node:path';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { LocalCluster, provideInfra, SingleNodeProcess } from '@huedb/testing';

/** A HueDB deployment the long-running benches (soak, catalog scale) drive over HTTP. */
export interface Deployment {
  baseUrls: string[];
  /** What makes a request the operator's (none with auth off). */
  headers: Record<string, string>;
  /** The running HueDB processes, named by role (`query-0`) or `single-node`. */
  processes(): { name: string; pid: number }[];
  stop(): Promise<void>;
}

export type DeploymentTarget = 'cluster' | 'single-node';

/**
 * Starts single-node on a fresh data directory under `dir`, or a cluster of separate processes (2
 * gateways, 2 query nodes, log, catalog, compactor) on the test infrastructure, which is started
 * on first use. The cluster runs the `unlimited` plan: the bench measures the engine, not a quota.
 */
export async function deploy(
  target: DeploymentTarget,
  dir: string,
  env: { compactor?: Record<string, string>; all?: Record<string, string> } = {},
): Promise<Deployment> {
  if (target === 'single-node') {
    const node = await SingleNodeProcess.start({
      dataDir: path.join(dir, 'data'),
      env: { ...env.compactor, ...env.all },
    });
    return {
      baseUrls: [node.url],
      headers: {},
      processes: () => (node.pid === undefined ? [] : [{ name: 'single-node', pid: node.pid }]),
      stop: () => node.kill('SIGTERM'),
    };
  }
  const provided = await provideInfra();
  const all = env.all ?? {};
  const cluster = await LocalCluster.start({
    infra: provided.infra,
    gateways: 2,
    queryNodes: 2,
    compactors: 1,
    dir: path.join(dir, 'logs'),
    env: {
      compactor: { ...env.compactor, ...all },
      gateway: { HUEDB_PLAN: 'unlimited', ...all },
      query: all,
      log: all,
      catalog: all,
    },
  });
  return {
    baseUrls: cluster.gatewayUrls,
    headers: cluster.authHeaders,
    processes: () => cluster.processes(),
    stop: async () => {
      await cluster.stop();
      await provided.release();
    },
  };
}

/** Resident memory (MiB) and open descriptors of a process, from /proc; undefined once it is gone. */
export function probeProcess(pid: number): { rssMiB: number; fds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return {
      rssMiB: Math.round((kb / 1024) * 10) / 10,
      fds: readdirSync(`/proc/${pid}/fd`).length,
    };
  } catch {
    return undefined;
  }
}

/**
 * Writes a result file formatted as the repository's prettier config wants it (results are
 * committed, and `make check` runs prettier over them).
 */
export async function writeFormatted(file: string, text: string): Promise<string> {
  const formatted = await prettier.format(text, {
    ...(await prettier.resolveConfig(file)),
    filepath: file,
  });
  writeFileSync(file, formatted);
  return formatted;
}
