import type { FastifyReply } from 'fastify';
import type { Backends } from '../backends/backends.js';
import type { UsageMeter } from './usage-meter.js';
import {
  parseUsageQuery,
  usageCsv,
  usageReport,
  type UsageParams,
  type UsageQuery,
  type UsageReport,
} from './usage-report.js';

export { USAGE_QUERY, USAGE_RESPONSE } from './usage-report.js';
export type { UsageParams } from './usage-report.js';

/** A usage answer before it is sent: the report and the format asked for. */
export interface UsageAnswer {
  query: UsageQuery;
  report: UsageReport;
}

/**
 * A tenant's usage report (the admin and accounts routes share it). This gateway's own counts
 * are reported first, so what it served up to now is in the answer; other gateways' appear
 * within their report interval (HUEDB_USAGE_FLUSH_MS).
 */
export async function readUsage(
  backends: Backends,
  meter: UsageMeter,
  tenant: string,
  params: UsageParams,
): Promise<UsageAnswer> {
  const query = parseUsageQuery(params);
  await meter.flush();
  const usage = await backends.control.getUsage({
    tenant,
    fromMs: BigInt(query.fromMs),
    toMs: BigInt(query.toMs),
  });
  return { query, report: usageReport(tenant, query, usage) };
}

/** Sends the report as JSON or, with `format=csv`, as a CSV attachment. */
export async function sendUsage(
  reply: FastifyReply,
  { query, report }: UsageAnswer,
): Promise<void> {
  if (query.format === 'csv') {
    const name = `usage-${report.tenant}-${report.from.slice(0, 10)}.csv`.replace(/[^\w.-]/g, '_');
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(usageCsv(report));
    return;
  }
  await reply.header('content-type', 'application/json').send(JSON.stringify(report));
}
