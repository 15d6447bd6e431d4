import { inspect } from 'node:util';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadSettings } from '@huedb/service';
import { CliExit, oneLine, usageExit } from '../cli-exit.js';
import { singleNodeSettings } from '../config.js';
import { ChromaEndpoint } from './chroma-endpoint.js';
import { defaultCheckpointPath } from './checkpoint.js';
import type { IfExists } from './collection-io.js';
import { copyCollections } from './copy.js';
import { exportCollection, importCollection } from './export-import.js';
import { terminalProgress } from './progress.js';
import { resolveFormat, type FileFormat } from './record-file.js';
import { TransferError } from './transfer-error.js';

/**
 * `huedb copy`, `huedb export` and `huedb import`: moving collections between servers that speak
 * Chroma's API (HueDB, `chroma run`, hosted Chroma) and files (docs/decisions/0033). Progress bars
 * go to stderr when it is a terminal; one summary line per collection to stdout; a failure is one
 * line on stderr and exit 1 (`--debug` adds the error with its stack).
 */

type Side = 'from' | 'to';

interface SideOptions {
  tenant: string;
  database: string;
  token?: string;
  header: string[];
}

const DEFAULT_URL = 'http://localhost:8000';
const DEFAULT_BATCH = 1000;

export function addTransferCommands(program: Command): void {
  const copy = program
    .command('copy')
    .description(
      'Copy collections from one server to another — HueDB or Chroma, either way — with their ' +
        'configuration, metadata, ids, documents, metadatas and embeddings (float32, exactly). ' +
        'Resumable: a checkpoint file records each batch; the same command run again goes on ' +
        'where it stopped.',
    )
    .exitOverride(usageExit('huedb copy --help'))
    .requiredOption('--from <url>', 'the source server, e.g. http://localhost:8000')
    .requiredOption('--to <url>', 'the target server');
  sideOptions(copy, 'from');
  sideOptions(copy, 'to');
  copy
    .option(
      '--collections <names>',
      'comma-separated collection names (default: every collection of the source database)',
    )
    .addOption(batchOption())
    .option(
      '--checkpoint <file>',
      'the checkpoint file (default: huedb-copy-<hash of both sides>.checkpoint.json here)',
    )
    .addOption(ifExistsOption())
    .addOption(debugOption())
    .action(async () => {
      const o = copy.opts<{
        from: string;
        to: string;
        collections?: string;
        batchSize: number;
        checkpoint?: string;
        ifExists: IfExists;
        debug?: boolean;
      }>();
      await reportFailures(o.debug, async () => {
        const source = endpoint(copy, 'from', o.from);
        const target = endpoint(copy, 'to', o.to);
        const checkpointPath =
          o.checkpoint ?? defaultCheckpointPath(sideOf(source), sideOf(target));
        const names = o.collections
          ?.split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '');
        const results = await copyCollections({
          source,
          target,
          collections: names,
          batchSize: o.batchSize,
          checkpointPath,
          ifExists: o.ifExists,
          progress: terminalProgress(),
          report: say,
        });
        const records = results.reduce((sum, r) => sum + r.records, 0);
        say(
          `done: ${results.length} collection(s), ${records.toLocaleString('en-US')} records; checkpoint ${checkpointPath}`,
        );
      });
    });

  const exportCommand = program
    .command('export')
    .description(
      'Write a collection to a file: JSON Lines (.jsonl) or Apache Parquet (.parquet), with its ' +
        'configuration and metadata; `huedb import` reads it back.',
    )
    .argument('<collection>', 'the collection to export')
    .argument('<file>', 'the file to write (its extension picks the format)')
    .exitOverride(usageExit('huedb export --help'))
    .addOption(new Option('--from <url>', 'the server').default(DEFAULT_URL));
  sideOptions(exportCommand, 'from');
  exportCommand
    .addOption(formatOption())
    .addOption(batchOption())
    .addOption(debugOption())
    .action(async (collection: string, path: string) => {
      const o = exportCommand.opts<{
        from: string;
        format?: FileFormat;
        batchSize: number;
        debug?: boolean;
      }>();
      await reportFailures(o.debug, async () => {
        const result = await exportCollection({
          source: endpoint(exportCommand, 'from', o.from),
          collection,
          path,
          format: resolveFormat(path, o.format),
          batchSize: o.batchSize,
          progress: terminalProgress(),
        });
        say(result.summary);
      });
    });

  const importCommand = program
    .command('import')
    .description(
      'Read a file written by `huedb export` (JSON Lines or Parquet) into a collection, made ' +
        'with the configuration and metadata the file carries. Writes by upsert: running it ' +
        'again is harmless.',
    )
    .argument('<file>', 'the file to read (its extension picks the format)')
    .exitOverride(usageExit('huedb import --help'))
    .addOption(new Option('--to <url>', 'the server').default(DEFAULT_URL));
  sideOptions(importCommand, 'to');
  importCommand
    .option('--collection <name>', 'the collection to import into (default: the file’s)')
    .addOption(formatOption())
    .addOption(batchOption())
    .addOption(ifExistsOption())
    .addOption(debugOption())
    .action(async (path: string) => {
      const o = importCommand.opts<{
        to: string;
        collection?: string;
        format?: FileFormat;
        batchSize: number;
        ifExists: IfExists;
        debug?: boolean;
      }>();
      await reportFailures(o.debug, async () => {
        const result = await importCollection({
          target: endpoint(importCommand, 'to', o.to),
          path,
          format: resolveFormat(path, o.format),
          collection: o.collection,
          batchSize: o.batchSize,
          ifExists: o.ifExists,
          progress: terminalProgress(),
        });
        say(result.summary);
      });
    });
}

/** --<side>-tenant, -database, -token and -header. */
function sideOptions(command: Command, side: Side): void {
  const what = side === 'from' ? 'source' : 'target';
  command
    .option(`--${side}-tenant <name>`, `the ${what} tenant`, 'default_tenant')
    .option(`--${side}-database <name>`, `the ${what} database`, 'default_database')
    .addOption(
      new Option(
        `--${side}-token <token>`,
        `an API key for the ${what}, sent as "Authorization: Bearer <token>"`,
      ).env(`HUEDB_${side.toUpperCase()}_TOKEN`),
    )
    .addOption(
      new Option(
        `--${side}-header <header>`,
        `a header for every ${what} request, "Name: value" (repeatable; e.g. "X-Chroma-Token: …")`,
      )
        .argParser(collectHeader)
        .default([]),
    );
}

function endpoint(command: Command, side: Side, url: string): ChromaEndpoint {
  const all = command.opts<Record<string, unknown>>();
  const o: SideOptions = {
    tenant: all[`${side}Tenant`] as string,
    database: all[`${side}Database`] as string,
    token: all[`${side}Token`] as string | undefined,
    header: all[`${side}Header`] as string[],
  };
  if (!/^https?:\/\//.test(url)) {
    throw new CliExit(
      2,
      `huedb: --${side} ${url} is not an http(s) URL (e.g. http://localhost:8000)`,
    );
  }
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  for (const header of o.header) {
    const colon = header.indexOf(':');
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  return new ChromaEndpoint({
    url,
    tenant: o.tenant,
    database: o.database,
    headers,
    role: side === 'from' ? 'source' : 'target',
  });
}

function sideOf(e: ChromaEndpoint) {
  return { url: e.options.url, tenant: e.options.tenant, database: e.options.database };
}

function collectHeader(value: string, previous: string[]): string[] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError('expected "Name: value"');
  return [...previous, value];
}

function batchOption(): Option {
  return new Option('--batch-size <records>', 'records per request (at most the target’s max)')
    .argParser((value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError('expected a whole number ≥ 1');
      return n;
    })
    .default(DEFAULT_BATCH);
}

function ifExistsOption(): Option {
  return new Option(
    '--if-exists <what>',
    'when the target has the collection already: fail, or upsert into it',
  )
    .choices(['fail', 'upsert'])
    .default('fail');
}

function formatOption(): Option {
  return new Option('--format <format>', 'the file format (default: from the extension)').choices([
    'jsonl',
    'parquet',
  ]);
}

function debugOption(): Option {
  return new Option(
    '--debug',
    'on failure, print the whole error with its stack (env HUEDB_DEBUG)',
  );
}

/** --debug, or HUEDB_DEBUG read as `huedb run` reads it (a malformed value counts as off). */
function debugWanted(flag: boolean | undefined): boolean {
  if (flag) return true;
  try {
    return loadSettings({ debug: singleNodeSettings.debug }, { argv: [], env: process.env }).debug;
  } catch {
    return false;
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs a command; a failure becomes one line (and with --debug, the whole error) and exit 1. */
async function reportFailures(flag: boolean | undefined, work: () => Promise<void>): Promise<void> {
  const debug = debugWanted(flag);
  try {
    await work();
  } catch (err) {
    if (err instanceof CliExit) throw err;
    if (debug) process.stderr.write(`${inspect(err)}\n`);
    const line =
      err instanceof TransferError
        ? `huedb: ${oneLine(err.message)}`
        : `huedb: ${oneLine(err instanceof Error ? err.message : String(err))}${debug ? '' : ' (run with --debug for details)'}`;
    throw new CliExit(1, line);
  }
}
