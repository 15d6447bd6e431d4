/**
 * `huedb run [--path ./data] [--host 127.0.0.1] [--port 8000] [--allow-reset] [--auth]`: single-node HueDB
 * in this process. Every setting also reads from HUEDB_* and a config file: docs/configuration.md.
 */
import { runService } from '@huedb/service';
import { loadSingleNodeConfig } from './config.js';
import { startSingleNode } from './single-node.js';

const USAGE = `usage: huedb run [--path ./data] [--host 127.0.0.1] [--port 8000] [--allow-reset] [--auth]

Runs HueDB on one machine: the Chroma HTTP API v2 on --host:--port, data in --path.
--auth: every route but heartbeat/version needs an API key or HUEDB_ADMIN_TOKEN.
Every setting: docs/configuration.md.`;

const argv = process.argv.slice(2);
const command = argv.find((a) => !a.startsWith('-')) ?? 'run';
if (argv.includes('--help') || argv.includes('-h') || command !== 'run') {
  console.log(USAGE);
  process.exit(argv.includes('--help') || argv.includes('-h') ? 0 : 2);
}

await runService({
  name: 'single-node',
  load: loadSingleNodeConfig,
  async start(config, { log, onClose }) {
    const node = await startSingleNode({
      path: config.path,
      host: config.host,
      port: config.port,
      allowReset: config.allowReset,
      auth: config.auth,
      adminToken: config.adminToken,
      rpcTimeoutMs: config.rpcTimeoutMs,
      collectionCacheMs: config.collectionCacheMs,
      compactor: {
        minRecords: config.minRecords,
        maxAgeMs: config.maxAgeMs,
        pollIntervalMs: config.pollIntervalMs,
        gcGraceMs: config.gcGraceMs,
        enabled: config.compaction !== 'off',
      },
      env: process.env,
      logger: log,
    });
    onClose(() => node.close());
    // startSingleNode logged where it serves and how long it took.
    return 'ready';
  },
});
