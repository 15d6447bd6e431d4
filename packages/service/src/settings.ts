import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { z } from 'zod';

/**
 * One configuration setting: the `HUEDB_*` variable that sets it, the schema that turns its text
 * into a value, and what the docs say about it. Every source (flag, env, file, default) goes
 * through the same schema, so a wrong value is rejected the same way wherever it came from.
 */
/**
 * A setting's parser. Named here so that packages declaring settings emit this name in their
 * declaration files rather than zod's own types, which their dependants may not resolve.
 */
export type SettingSchema<T> = z.ZodType<T>;

export interface Setting<T> {
  /** The environment variable, e.g. `HUEDB_GATEWAY_LISTEN`; the flag is derived from it. */
  env: string;
  /** The flag name when it is not derived from `env` (kept for CLIs that predate the kit). */
  flag?: string;
  /** Parses the setting's text (flags and env are text; file values are turned into text). */
  schema: SettingSchema<T>;
  /** Shown in docs/configuration.md, e.g. "host:port" or "integer ≥ 1". */
  type: string;
  /** The text used when no source sets it; absent means the setting is optional (or required). */
  default?: string;
  /** A value is required: start fails without one. */
  required?: boolean;
  /** One sentence for docs/configuration.md: what it does and its unit. */
  description: string;
}

/** A service's settings, keyed by the property name its config object uses. */
export type SettingsSchema = Record<string, Setting<unknown>>;

/** The typed configuration a schema produces (optional settings without a default may be undefined). */
export type SettingsOf<S extends SettingsSchema> = {
  [K in keyof S]: S[K] extends Setting<infer T>
    ? S[K] extends { default: string }
      ? T
      : S[K] extends { required: true }
        ? T
        : T | undefined
    : never;
};

/** Where a configuration is read from; every part is optional (tests pass just `env`). */
export interface SettingsSources {
  /** Command-line arguments (without node and the script), e.g. `['--gateway-listen', ':8000']`. */
  argv?: readonly string[];
  /** The environment; default none (pass `process.env` explicitly in a main). */
  env?: NodeJS.ProcessEnv;
  /**
   * A YAML or JSON file of `flag-name: value` pairs. Default: `--config` in argv, else
   * `HUEDB_CONFIG` in env, else no file.
   */
  file?: string;
}

/** A configuration that cannot be used; the message names the variable (and the flag). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The command-line flag of a variable: `HUEDB_GATEWAY_LISTEN` → `gateway-listen`. */
export function flagName(env: string): string {
  return env
    .replace(/^HUEDB_/, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/**
 * Reads a configuration: flags > env > file > defaults, each value validated by its setting's
 * schema. Flags not in the schema (and positionals) are ignored so a process can share argv
 * between schemas.
 *
 * @throws ConfigError naming the first missing or malformed variable.
 */
export function loadSettings<S extends SettingsSchema>(
  schema: S,
  sources: SettingsSources = {},
): SettingsOf<S> {
  const env = sources.env ?? {};
  const flags = readFlags(schema, sources.argv ?? []);
  const fileName = sources.file ?? flags.get('config') ?? (env.HUEDB_CONFIG || undefined);
  const file = fileName ? readConfigFile(fileName) : {};
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(schema)) {
    const flag = setting.flag ?? flagName(setting.env);
    const [raw, from] = pick([
      [flags.get(flag), `--${flag}`],
      [emptyToUndefined(env[setting.env]), setting.env],
      [file[flag], `${flag} in ${fileName ?? ''}`],
      [setting.default, `the default of ${setting.env}`],
    ]);
    if (raw === undefined) {
      if (setting.required) {
        throw new ConfigError(
          `${setting.env} is required (${setting.type}): ${setting.description}`,
        );
      }
      out[key] = undefined;
      continue;
    }
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => i.message).join('; ');
      const via = from === setting.env ? '' : ` (from ${from})`;
      throw new ConfigError(`${setting.env}=${raw}${via}: expected ${setting.type} (${why})`);
    }
    out[key] = parsed.data;
  }
  return out as SettingsOf<S>;
}

function pick(candidates: [string | undefined, string][]): [string | undefined, string] {
  for (const [value, from] of candidates) if (value !== undefined) return [value, from];
  return [undefined, ''];
}

function emptyToUndefined(value: string | undefined): string | undefined {
  // An empty variable means "unset": shell scripts export VAR= to clear one.
  return value === undefined || value === '' ? undefined : value;
}

function readFlags(schema: SettingsSchema, argv: readonly string[]): Map<string, string> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' } };
  for (const setting of Object.values(schema)) {
    // A boolean flag may stand alone (`--allow-reset`); `--allow-reset=false` still works.
    options[setting.flag ?? flagName(setting.env)] = {
      type: setting.type === 'boolean' ? 'boolean' : 'string',
    };
  }
  const { values } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
  });
  const flags = new Map<string, string>();
  for (const [name, value] of Object.entries(values)) {
    // strict: false turns `--flag` without a value into `true`: a typed setting needs text.
    if (value === true) flags.set(name, 'true');
    else if (typeof value === 'string') flags.set(name, value);
  }
  return flags;
}

function readConfigFile(fileName: string): Record<string, string> {
  let data: unknown;
  try {
    data = YAML.parse(readFileSync(fileName, 'utf8')) ?? {};
  } catch (err) {
    throw new ConfigError(
      `config file ${fileName}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`config file ${fileName}: expected a mapping of setting: value`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      throw new ConfigError(`config file ${fileName}: ${key} is a mapping, expected a value`);
    }
    out[key] = Array.isArray(value) ? value.map(scalarText).join(',') : scalarText(value);
  }
  return out;
}

function scalarText(value: unknown): string {
  // YAML scalars arrive typed (7, true); a setting's schema parses text, as from env or flags.
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ---- value types: each parses text and says what it expects -----------------------------------

/** Any non-empty text. */
export const text = (): SettingSchema<string> => z.string().min(1, 'empty');

/** An integer in [min, max]. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): SettingSchema<number> {
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'not an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** true/false (also 1/0, yes/no, on/off). */
export const boolean = (): SettingSchema<boolean> =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => /^(1|true|yes|on|0|false|no|off)$/.test(v), 'not true or false')
    .transform((v) => /^(1|true|yes|on)$/.test(v));

/** "host:port" with a port in [0, 65535] (0 picks a free port). */
export const hostPort = (): SettingSchema<string> =>
  z
    .string()
    .trim()
    .regex(/^.+:\d+$/, 'not host:port')
    .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port above 65535');

/** A comma-separated list of at least one "host:port". */
export const hostPortList = (): SettingSchema<string[]> =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
    )
    .pipe(z.array(z.string().regex(/^.+:\d+$/, 'an address is not host:port')).min(1, 'empty'));

/** One of the given words. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
): SettingSchema<T[number]> {
  return z.string().trim().toLowerCase().pipe(z.enum(values));
}

/**
 * Accepts either a bare environment (what tests and older callers pass) or full sources.
 * Sources are recognised by their keys; an environment never has `env`/`argv`/`file` variables.
 */
export function asSources(sources: NodeJS.ProcessEnv | SettingsSources): SettingsSources {
  return isSources(sources) ? sources : { env: sources };
}

function isSources(sources: NodeJS.ProcessEnv | SettingsSources): sources is SettingsSources {
  return 'env' in sources || 'argv' in sources || 'file' in sources;
}
