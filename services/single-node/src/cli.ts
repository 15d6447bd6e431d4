/**
 * The `huedb` command: `huedb run [options]` runs single-node HueDB in this process (`huedb run
 * --help` lists every option; each also reads from HUEDB_* and a config file: docs/configuration.md).
 * The running server logs JSON lines on stdout; a startup failure is one plain line on stderr.
 * `huedb copy`, `export` and `import` move collections between servers and files (transfer/).
 */
import { inspect } from 'node:util';
import { runService } from '@huedb/service';
import { CliExit, debugWanted, huedbProgram, startupFailureLine } from './cli-program.js';
import { loadSingleNodeConfig, type SingleNodeConfig } from './config.js';
import { startSingleNode } from './single-node.js';

function run(argv: string[]): Promise<void> {
  return runService<SingleNodeConfig>(
    {
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
      reportFailure(err, config) {
        process.stderr.write(`${startupFailureLine(err, config)}\n`);
        if (debugWanted(argv, config)) process.stderr.write(`${inspect(err)}\n`);
      },
    },
    { argv, env: process.env },
  );
}

try {
  await huedbProgram(run).parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CliExit)) throw err;
  if (err.line) process.stderr.write(`${err.line}\n`);
  process.exitCode = err.exitCode;
}
