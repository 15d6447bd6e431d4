import { randomUUID } from 'node:crypto';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Code, RpcError, type ServiceClient } from '@huedb/grpc';
import type { ControlService, UsageEntry } from '@huedb/proto/control';
import { usageCounter, type Logger } from '@huedb/service';

/** What the gateway meters per request (the compactor meters writes and storage). */
export type GatewayMetric = 'requests' | 'queries' | 'records_returned';

const HOUR_MS = 3_600_000;
/** How often counted amounts go to the control plane unless the caller says otherwise. */
export const DEFAULT_USAGE_FLUSH_MS = 10_000;
/** Keys held before a flush is started early (bounds memory whatever the traffic). */
const MAX_PENDING_KEYS = 5_000;

type MeterClient = Pick<ServiceClient<typeof ControlService>, 'recordUsage'>;

/** One report in flight (or waiting to be retried): its number never changes. */
interface Report {
  sequence: bigint;
  entries: Pick<UsageEntry, 'tenant' | 'hourStartMs' | 'metric' | 'value'>[];
}

/**
 * Counts each tenant's requests, queries and records returned per hour in memory and reports
 * them to the control plane (RecordUsage) every `flushMs`, as numbered reports of this process
 * (a reporter id fresh per start). A report that failed is retried with the same number until
 * the control plane applies it — which it does once, so a report whose answer was lost is not
 * counted twice — and amounts counted meanwhile wait for the next one. Shutdown flushes. A
 * process killed outright loses at most its last `flushMs` of these counts (writes and storage
 * are metered by compactions and lose nothing). Prometheus gets the same amounts without a
 * tenant label (docs/decisions/0030-usage-metering.md).
 */
export class UsageMeter implements OnApplicationShutdown {
  readonly reporter = randomUUID();
  private pending = new Map<
    string,
    { tenant: string; hour: number; metric: string; value: number }
  >();
  private inFlight: Report | undefined;
  private sequence = 0n;
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly prometheus = usageCounter();

  constructor(
    private readonly control: MeterClient,
    private readonly log?: Logger,
    flushMs = DEFAULT_USAGE_FLUSH_MS,
    /** Off (HUEDB_USAGE_METERING=false): nothing is counted or reported. */
    private readonly enabled = true,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  /** Adds `amount` of `metric` to the tenant's current hour. */
  count(tenant: string, metric: GatewayMetric, amount = 1): void {
    // A name no tenant can have (empty, too long, NUL: a request for a made-up tenant) is not
    // kept: the control plane would drop it anyway, and it must not grow the map or a report.
    if (!this.enabled || amount <= 0 || !plausibleTenant(tenant)) return;
    const now = this.now();
    const hour = now - (now % HOUR_MS);
    const key = `${hour}\u0000${metric}\u0000${tenant}`;
    const seen = this.pending.get(key);
    if (seen) seen.value += amount;
    else this.pending.set(key, { tenant, hour, metric, value: amount });
    this.prometheus.inc({ metric }, amount);
    if (this.pending.size >= MAX_PENDING_KEYS) void this.flush();
  }

  /**
   * Sends what was counted: first the report still owed (same number), then a new one with
   * what was counted since. Resolves when both were applied or the attempt failed (logged; the
   * next flush retries). Concurrent calls share one attempt.
   */
  flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async send(): Promise<void> {
    try {
      if (!this.inFlight && this.pending.size > 0) {
        const amounts = [...this.pending.values()];
        this.pending = new Map();
        this.sequence += 1n;
        this.inFlight = {
          sequence: this.sequence,
          entries: amounts.map((a) => ({
            tenant: a.tenant,
            hourStartMs: BigInt(a.hour),
            metric: a.metric,
            value: BigInt(a.value),
          })),
        };
      }
      if (!this.inFlight) return;
      await this.control.recordUsage({ reporter: this.reporter, ...this.inFlight });
      this.inFlight = undefined;
      // What was counted while that report was in flight goes in the next one, now.
      if (this.pending.size > 0) await this.send();
    } catch (err) {
      if (err instanceof RpcError && err.code === Code.INVALID_ARGUMENT) {
        // The control plane will refuse this report however often it is sent: retrying it would
        // stop every later report behind it. Its counts are lost, loudly.
        this.log?.error(
          { err, sequence: this.inFlight?.sequence },
          'usage: report refused; dropped',
        );
        this.inFlight = undefined;
        return;
      }
      this.log?.warn(
        { err, sequence: this.inFlight?.sequence },
        'usage: report failed; retrying at the next flush',
      );
    }
  }

  /** Stops the timer and sends what is left (called when the app closes). */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    // A report that failed once gets one more try before the process goes.
    if (this.inFlight || this.pending.size > 0) await this.flush();
  }
}

/** Longest tenant name a path can carry that Chroma's name rules allow. */
const MAX_TENANT_LENGTH = 512;

function plausibleTenant(tenant: string): boolean {
  return tenant.length > 0 && tenant.length <= MAX_TENANT_LENGTH && !tenant.includes('\u0000');
}
