import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createClient, type ServiceClient } from '@huedb/grpc';
import { LogService } from '@huedb/proto/log';
import { LocalCluster, provideInfra, type ProvidedInfra } from '@huedb/testing';
import type { BenchOptions } from '../options.js';
import { REPO_ROOT } from '../options.js';
import type { IndexedProbe, ServerTarget } from './target.js';

const QUERY_NODES = 2;
const GATEWAYS = 2;

/**
 * The HueDB cluster of separate processes (@huedb/testing's LocalCluster): 2 gateways, 2 query
 * nodes, 1 log, 1 catalog and 1 compactor, on the real Postgres, Kafka and MinIO that the tests
 * use (deploy/local starts them on first use). The cluster gets its own Postgres database, Kafka
 * topic prefix and S3 prefix, so nothing else writes to its log while the bench waits on it.
 */
export class ClusterTarget implements ServerTarget {
  readonly name = 'cluster';
  private cluster: LocalCluster | undefined;
  private provided: ProvidedInfra | undefined;
  private log: ServiceClient<typeof LogService> | undefined;
  private readonly segmentCacheDir: string;
  private readonly dir: string;

  constructor(private readonly options: BenchOptions) {
    const run = `cluster-${process.pid}-${Date.now().toString(36)}`;
    this.dir = path.join(REPO_ROOT, '.data', 'bench', run);
    this.segmentCacheDir = path.join(this.dir, 'query-segment-cache');
  }

  async start(): Promise<void> {
    this.provided = await provideInfra();
    const { compaction } = this.options;
    this.cluster = await LocalCluster.start({
      infra: this.provided.infra,
      gateways: GATEWAYS,
      queryNodes: QUERY_NODES,
      compactors: 1,
      dir: path.join(this.dir, 'logs'),
      env: {
        compactor: {
          HUEDB_COMPACTION_MIN_RECORDS: String(compaction.minRecords),
          HUEDB_COMPACTION_MAX_AGE_MS: String(compaction.maxAgeMs),
          HUEDB_COMPACTION_POLL_MS: String(compaction.pollMs),
          HUEDB_COMPACTOR_DIR: path.join(this.dir, 'compactor'),
        },
        // One directory the cold-start probe can wipe. Downloads into it are race-safe
        // (per-process temporary directory, then rename), so the two nodes may share it.
        query: { HUEDB_SEGMENT_CACHE_DIR: this.segmentCacheDir },
        // The engine's speed, not a plan's: `pro`'s request rate would cap QPS at 1000/s and read
        // as the engine's. What enforcing a plan costs is measured on its own (plan overhead).
        gateway: { HUEDB_PLAN: 'unlimited' },
      },
    });
    this.log = createClient(LogService, this.cluster.addresses('log')[0]!);
  }

  get baseUrls(): string[] {
    if (!this.cluster) throw new Error('cluster not started');
    return this.cluster.gatewayUrls;
  }

  get headers(): Record<string, string> {
    if (!this.cluster) throw new Error('cluster not started');
    return this.cluster.authHeaders;
  }

  readonly indexedProbe: IndexedProbe = {
    kind: 'log-position',
    // ScoutLogs = the partition's high-water mark now. Called after the last acknowledged write,
    // while nothing else writes to this cluster's topic, it is exactly one past that write.
    logEnd: async (collectionId) => {
      if (!this.log) throw new Error('cluster not started');
      const { toPosition } = await this.log.scoutLogs({ collectionId });
      return toPosition;
    },
  };

  async restartQueryNode(): Promise<{ restartMs: number; what: string }> {
    const cluster = this.cluster;
    if (!cluster) throw new Error('cluster not started');
    // Both nodes: rendezvous hashing picks one per collection, and which one is the gateway's
    // business. Kill both first so neither can repopulate the wiped cache.
    for (let i = 0; i < QUERY_NODES; i++) await cluster.kill('query', i, 'SIGKILL');
    await rm(this.segmentCacheDir, { recursive: true, force: true });
    const started = performance.now();
    await Promise.all(Array.from({ length: QUERY_NODES }, (_, i) => cluster.restart('query', i)));
    return {
      restartMs: performance.now() - started,
      what: `${QUERY_NODES} query nodes killed (SIGKILL), segment cache wiped, restarted until listening`,
    };
  }

  async stop(): Promise<void> {
    this.log?.close();
    this.log = undefined;
    await this.cluster?.stop();
    this.cluster = undefined;
    await this.provided?.release();
    this.provided = undefined;
    // Segment copies can be GiBs; the process logs stay for a post-mortem.
    await rm(this.segmentCacheDir, { recursive: true, force: true });
    await rm(path.join(this.dir, 'compactor'), { recursive: true, force: true });
  }

  describe(): Record<string, string> {
    const c = this.options.compaction;
    return {
      processes: `${GATEWAYS} gateways, ${QUERY_NODES} query nodes, 1 log, 1 catalog, 1 compactor (each its own Node process, run from source with tsx)`,
      infrastructure: `Postgres, Kafka, MinIO via ${this.provided?.infra.provider ?? '?'} provider (@huedb/testing)`,
      compaction: `min ${c.minRecords} records or max age ${c.maxAgeMs} ms, polled every ${c.pollMs} ms`,
      logs: path.relative(REPO_ROOT, path.join(this.dir, 'logs')),
    };
  }
}
