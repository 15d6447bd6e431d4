import path from 'node:path';
import { runJsonScript, type Percentiles } from './auth-overhead.js';
import { REPO_ROOT } from './options.js';

/** The script that measures it, in the gateway's package (it builds gateway apps in-process). */
const SCRIPT = path.join(REPO_ROOT, 'services/gateway/test/bench/plan-enforcement.ts');

/** One operation under the unlimited plan and under `pro` resolved per tenant, interleaved. */
export interface PlanOverheadSeries {
  unlimited: Percentiles;
  enforced: Percentiles;
  /** enforced.p50Ms − unlimited.p50Ms. */
  overheadP50Ms: number;
  ratioP50: number;
}

/**
 * What plan enforcement and usage metering cost (decisions 0029, 0030; target ≤ 0.2 ms p50): the
 * plan lookup, the shared rate's lease, the RateLimit fields, the limit checks and the meter's
 * counts, on a query and on an add. The JSON line
 * services/gateway/test/bench/plan-enforcement.ts prints with --json.
 */
export interface PlanOverhead {
  requests: number;
  query: PlanOverheadSeries;
  add: PlanOverheadSeries;
}

/** The p50 overhead issue 12 asks for at most. */
export const PLAN_OVERHEAD_TARGET_MS = 0.2;

/** Runs the measurement in a child process (see measureAuthOverhead). */
export async function measurePlanOverhead(requests: number): Promise<PlanOverhead> {
  const result = await runJsonScript<PlanOverhead>(SCRIPT, requests);
  if (
    typeof result.query?.overheadP50Ms !== 'number' ||
    typeof result.add?.overheadP50Ms !== 'number'
  ) {
    throw new Error(
      `plan-enforcement.ts printed no result: ${JSON.stringify(result).slice(0, 200)}`,
    );
  }
  return result;
}
