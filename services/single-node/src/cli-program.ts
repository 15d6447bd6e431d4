import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, flagName, loadSettings, type SettingsSchema } from '@huedb/service';
import { WalDirectoryInUseError } from '@huedb/wal';
import { oneLine, usageExit } from './cli-exit.js';
import { singleNodeSettings, type SingleNodeConfig } from './config.js';
import { addTransferCommands } from './transfer/transfer-commands.js';

export { CliExit } from './cli-exit.js';

/**
 * The `huedb` command line (commander): `run`'s options are derived from single-node's settings
 * schema, so a new setting gets its flag, help line and default here without a change. Commander
 * only collects; the settings kit validates (flags > env > config file > defaults), so a flag's
 * value is refused with the same message as the variable's.
 */

/** `huedb 0.1.0 (node v24…)`: the version of the package that ships the command. */
export function versionText(): string {
  // ../package.json from both src/ (tsx) and dist/ (the compiled command).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `huedb ${pkg.version} (node ${process.version})`;
}

/**
 * Builds the program; `onRun` gets `run`'s flags back as `--flag=value` arguments for the
 * settings kit. Throws CliExit for --help/--version (code 0) and usage errors (code 2).
 */
export function huedbProgram(onRun: (argv: string[]) => Promise<void>): Command {
  const program = new Command('huedb')
    .description('HueDB: a vector database that speaks Chroma’s HTTP API v2.')
    .version(versionText(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .helpCommand(false)
    // Piped help (no terminal width) wraps at 100 columns rather than not at all.
    .configureHelp({ helpWidth: process.stdout.columns ?? 100 })
    // Errors become one line with a hint (below), printed by the caller.
    .configureOutput({ outputError: () => {} })
    .exitOverride(usageExit('huedb --help'));

  const run = program
    .command('run')
    .description(
      'Run single-node HueDB in this process: the Chroma API on --host:--port, data in --path. ' +
        'Every option also reads from its HUEDB_* variable and from a --config file ' +
        '(flags > env > file > default); docs/configuration.md lists them.',
    )
    .exitOverride(usageExit('huedb run --help'));
  for (const option of settingOptions(singleNodeSettings)) run.addOption(option);
  run.addOption(
    new Option(
      '--config <file>',
      'A YAML or JSON file of `flag-name: value` settings (env HUEDB_CONFIG).',
    ),
  );
  run.action(() => {
    const values = run.opts<Record<string, string | true | undefined>>();
    const argv = run.options.flatMap((option) => {
      const value = values[option.attributeName()];
      // `--auth` alone is `true`; `--auth=false` passes its text, as the kit reads booleans.
      return value === undefined ? [] : [`${option.long}=${value === true ? 'true' : value}`];
    });
    return onRun(argv);
  });
  addTransferCommands(program);
  return program;
}

/** One option per setting: its flag, its description with type, default and variable. */
function settingOptions(schema: SettingsSchema): Option[] {
  return Object.values(schema).map((setting) => {
    const flag = setting.flag ?? flagName(setting.env);
    // The kit lets a boolean flag stand alone (`--auth`) or take a value (`--auth=false`).
    const value = setting.type === 'boolean' ? '[true|false]' : '<value>';
    const facts = [
      setting.type,
      ...(setting.default !== undefined ? [`default: ${setting.default}`] : []),
      `env: ${setting.env}`,
    ];
    // No commander default: it would pass the default as a flag and hide env and file values.
    return new Option(`--${flag} ${value}`, `${setting.description} (${facts.join('; ')})`);
  });
}

/**
 * The one line a startup failure prints: what is wrong and what to do. Typed errors, not message
 * text, pick the case. `config` is undefined when the configuration itself was refused.
 */
export function startupFailureLine(err: unknown, config: SingleNodeConfig | undefined): string {
  if (err instanceof ConfigError) return `huedb: ${oneLine(err.message)}`;
  const inUse = findCause(
    err,
    (e): e is WalDirectoryInUseError => e instanceof WalDirectoryInUseError,
  );
  if (inUse && config) {
    return `huedb: ${config.path} is in use by HueDB process ${inUse.pid}: stop it or pass --path`;
  }
  const busy = findCause(err, isAddressInUse);
  if (busy && config) {
    const port = busy.port ?? config.port;
    const host = busy.address ?? config.host;
    // HUEDB_METRICS_LISTEN opens a listener of its own: name the setting that chose the port.
    const option = port === config.port ? '--port' : '--metrics-listen';
    return `huedb: port ${port} on ${host} is in use (another HueDB or chroma?): stop it or pass ${option}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `huedb: ${oneLine(message)} (run with --debug for details)`;
}

/** Whether a failure should print its whole error: `--debug` / HUEDB_DEBUG, read as the kit does. */
export function debugWanted(argv: string[], config: SingleNodeConfig | undefined): boolean {
  if (config) return config.debug;
  try {
    return loadSettings({ debug: singleNodeSettings.debug }, { argv, env: process.env }).debug;
  } catch {
    return false; // HUEDB_DEBUG itself is malformed: its ConfigError is what gets printed
  }
}

interface AddressInUse extends Error {
  code: 'EADDRINUSE';
  port?: number;
  address?: string;
}

function isAddressInUse(err: Error): err is AddressInUse {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/** The error or one of its causes that matches. */
function findCause<T extends Error>(err: unknown, match: (e: Error) => e is T): T | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (match(e)) return e;
  }
  return undefined;
}
