import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** How a process logs. */
export interface LoggerOptions {
  /** The service name, on every line as `service`. */
  service: string;
  /** pino's level name; default info. */
  level?: string;
  /**
   * Human-readable lines with colours. Default: only when stdout is a terminal, so log files and
   * collectors always get JSON lines without ANSI escapes.
   */
  pretty?: boolean;
  /** Where JSON lines go instead of stdout (tests). */
  destination?: pino.DestinationStream;
}

/**
 * A structured logger writing JSON lines to stdout (or readable lines on a terminal). Writes are
 * synchronous: a crash or `process.exit` right after a line never loses it.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const base = { service: options.service };
  if (options.pretty ?? process.stdout.isTTY === true) {
    return pino({ level, base }, pretty({ sync: true, colorize: process.stdout.isTTY === true }));
  }
  return pino(
    { level, base, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? pino.destination({ sync: true }),
  );
}

/**
 * The adapter NestJS's own logger calls (bootstrap, route mapping, errors), so its lines are
 * JSON through pino like everyone else's instead of ANSI-coloured text.
 */
export function nestLogger(logger: Logger): {
  log(message: unknown, ...rest: unknown[]): void;
  error(message: unknown, ...rest: unknown[]): void;
  warn(message: unknown, ...rest: unknown[]): void;
  debug(message: unknown, ...rest: unknown[]): void;
  verbose(message: unknown, ...rest: unknown[]): void;
  fatal(message: unknown, ...rest: unknown[]): void;
} {
  // Nest passes (message, ...optionalParams, context); the last string is the context.
  const line =
    (level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal') =>
    (message: unknown, ...rest: unknown[]) => {
      const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
      const stack = rest.find((r) => typeof r === 'string' && r.includes('\n    at '));
      const fields = { component: 'nest', context, ...(stack ? { stack } : {}) };
      if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
      else logger[level](fields, typeof message === 'string' ? message : JSON.stringify(message));
    };
  return {
    // Nest's "log" level is its bootstrap chatter (modules, every route mapped): debug here.
    log: line('debug'),
    error: line('error'),
    warn: line('warn'),
    debug: line('debug'),
    verbose: line('trace'),
    fatal: line('fatal'),
  };
}
