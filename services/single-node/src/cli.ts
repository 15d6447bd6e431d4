import { parseArgs } from 'node:util';
import { startSingleNode } from './single-node.js';

const USAGE = `usage: huedb run [--path ./data] [--host 127.0.0.1] [--port 8000] [--allow-reset]

Runs HueDB on one machine: the Chroma HTTP API v2 on --host:--port, data in --path.`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    path: { type: 'string', default: './data' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8000' },
    'allow-reset': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const command = positionals[0] ?? 'run';
if (values.help || command !== 'run') {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port ${values.port}: expected a port number`);
  process.exit(2);
}

const node = await startSingleNode({
  path: values.path,
  host: values.host,
  port,
  allowReset: values['allow-reset'] || process.env.HUEDB_ALLOW_RESET === 'true',
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`huedb: ${signal}, shutting down`);
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('huedb: shutdown failed', err);
        process.exit(1);
      },
    );
  });
}
