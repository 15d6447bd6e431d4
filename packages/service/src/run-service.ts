import { createLogger, type Logger } from './logger.js';
import { collectRuntimeMetrics, startMetricsServer } from './metrics.js';
import { ConfigError, type SettingsSources } from './settings.js';
import { startTracing } from './tracing.js';

/** The settings every service has (see `observabilitySettings`). */
export interface ObservabilityConfig {
  logLevel: string;
  logPretty?: boolean | undefined;
  metricsListen?: string | undefined;
  otlpEndpoint?: string | undefined;
  otelServiceName?: string | undefined;
}

/** What a service's `start` gets to wire itself. */
export interface ServiceContext {
  /** The service's logger (JSON lines, `service` field set). */
  log: Logger;
  /**
   * Registers a step of the shutdown. Steps run in reverse order of registration, one at a time,
   * so what was started last (the server taking calls) stops first and the stores it writes to
   * close last.
   */
  onClose: (step: () => unknown) => void;
  /**
   * Announces this member to the catalog now and every `intervalMs`; stops when shutdown reaches
   * it (register it after the server, so it stops before the server drains). Logs when the member joins, when heartbeats
   * start failing and when they recover.
   */
  heartbeat: (target: HeartbeatTarget, member: Member, intervalMs: number) => Promise<void>;
}

/** A member of the cluster, as the catalog's Heartbeat RPC takes it. */
export interface Member {
  id: string;
  role: string;
  address: string;
}

/** The catalog's Heartbeat call (a gRPC or in-process client). */
export interface HeartbeatTarget {
  heartbeat(request: { member: Member }, options?: { timeoutMs?: number }): Promise<unknown>;
}

/** A service as `runService` runs it. */
export interface ServiceDefinition<C extends ObservabilityConfig> {
  /** The service's name on every log line (`service`) and in its metrics. */
  name: string;
  /** Reads and validates the configuration (throws ConfigError naming the variable). */
  load(sources: SettingsSources): C;
  /**
   * Starts the service: open stores, start the server, register shutdown steps. Resolves once it
   * takes requests (then `/ready` answers 200); its result is logged as the "started" line.
   */
  start(config: C, context: ServiceContext): Promise<string>;
  /**
   * Tells the user why the process could not start, instead of the fatal JSON log line (a CLI
   * prints one plain line on stderr); the process exits 1 after it. `config` is undefined when
   * the configuration itself was refused.
   */
  reportFailure?(err: unknown, config: C | undefined): void;
}

/**
 * Runs a service process: reads the configuration from flags, `HUEDB_*` env and an optional file
 * (`--config` / `HUEDB_CONFIG`), logs JSON lines, serves `/metrics` and `/ready` when
 * `HUEDB_METRICS_LISTEN` is set, exports traces when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
 * starts the service, and on SIGTERM/SIGINT stops heartbeating,
 * drains (the shutdown steps in reverse order) and exits 0. A configuration or start failure
 * exits 1 with the reason; a second signal exits at once.
 */
export async function runService<C extends ObservabilityConfig>(
  service: ServiceDefinition<C>,
  sources: SettingsSources = { argv: process.argv.slice(2), env: process.env },
): Promise<void> {
  let config: C;
  try {
    config = service.load(sources);
  } catch (err) {
    if (service.reportFailure) service.reportFailure(err, undefined);
    else {
      const log = createLogger({ service: service.name });
      log.fatal(err instanceof ConfigError ? err.message : { err }, 'invalid configuration');
    }
    process.exit(1);
  }
  const log = createLogger({
    service: service.name,
    level: config.logLevel,
    ...(config.logPretty !== undefined ? { pretty: config.logPretty } : {}),
  });
  const steps: (() => unknown)[] = [];
  let ready = false;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    ready = false;
    log.info({ signal }, 'draining');
    void (async () => {
      for (const step of steps.reverse()) await step();
    })().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const context: ServiceContext = {
    log,
    onClose: (step) => steps.push(step),
    heartbeat: async (target, member, intervalMs) => {
      const stopBeat = await startLoggedHeartbeat(log, target, member, intervalMs);
      steps.push(stopBeat);
    },
  };
  try {
    collectRuntimeMetrics();
    const tracing = startTracing(config, service.name);
    // The first step registered runs last: spans of the drain itself are exported too.
    if (tracing) steps.push(() => tracing.shutdown());
    if (config.metricsListen) {
      const metrics = await startMetricsServer(config.metricsListen, () => ready);
      log.info({ port: metrics.port }, 'metrics listening');
      steps.push(() => metrics.close());
    }
    const started = await service.start(config, context);
    ready = true;
    log.info(started);
  } catch (err) {
    if (service.reportFailure) service.reportFailure(err, config);
    else log.fatal({ err }, `failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

async function startLoggedHeartbeat(
  log: Logger,
  target: HeartbeatTarget,
  member: Member,
  intervalMs: number,
): Promise<() => void> {
  let failing = false;
  const beat = () =>
    target.heartbeat({ member }, { timeoutMs: intervalMs }).then(
      () => {
        if (failing) log.info({ member }, 'membership: heartbeat restored');
        failing = false;
      },
      (err: unknown) => {
        // One line when it starts failing, not one per interval: the member ages out of routing
        // after HUEDB_MEMBER_MAX_AGE_MS, which is what an operator needs to know.
        if (!failing) log.warn({ member, err }, 'membership: heartbeat failing');
        failing = true;
      },
    );
  await target.heartbeat({ member }, { timeoutMs: intervalMs });
  log.info({ member }, 'membership: joined');
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    log.info({ member }, 'membership: leaving (heartbeat stopped)');
  };
}
