import type { ConsumeRateLimitRequest, ConsumeRateLimitResponse } from '@huedb/proto/control';
import type { Input } from '../catalog.input.js';
import { invalid } from '../catalog.errors.js';
import { requireText } from './control.input.js';
import type { RateLimitRepository, RateLimitRow } from './rate-limit.repository.js';

/** The longest window a bucket may take to refill. */
const MAX_WINDOW_MS = 30n * 24n * 3600n * 1000n;
const MAX_KEY_LENGTH = 512;
/** Full buckets are swept at most this often per catalog process. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Shared rate-limit buckets (ConsumeRateLimit, ResetRateLimit): GCRA on one row per key in the
 * catalog's database, so every gateway takes from the same bucket. A bucket of `limit` points
 * refilling over `window_ms` costs `window_ms / limit` (in whole µs) per point: `limit` at once,
 * then one per interval — a sliding rate with no doubled burst at a window's edge
 * (docs/decisions/0027-shared-rate-limits.md). Full buckets are deleted by a sweep that runs
 * beside a consume about once a minute; nothing else needs them gone.
 */
export class RateLimitService {
  private lastSweepMs = Date.now();

  constructor(private readonly buckets: RateLimitRepository) {}

  async consume(req: Input<ConsumeRateLimitRequest>): Promise<Input<ConsumeRateLimitResponse>> {
    const key = requireText('key', req.key, MAX_KEY_LENGTH);
    if (req.limit < 1) throw invalid('limit must be at least 1');
    if (req.windowMs < 1n || req.windowMs > MAX_WINDOW_MS) {
      throw invalid(`window_ms must be between 1 and ${MAX_WINDOW_MS}`);
    }
    if (Math.abs(req.points) > req.limit) throw invalid('points must be within ±limit');
    const intervalUs = (req.windowMs * 1000n) / BigInt(req.limit);
    if (intervalUs < 1n) throw invalid('limit must be at most window_ms × 1000');
    const burstUs = intervalUs * BigInt(req.limit);
    this.maybeSweep();
    if (req.points === 0) {
      const row = await this.buckets.read(key);
      const state = bucketState(row, intervalUs, burstUs, 1);
      return { ...state, allowed: state.remaining >= 1 };
    }
    const row = await this.buckets.consume(key, req.points, intervalUs, burstUs);
    return {
      ...bucketState(row, intervalUs, burstUs, row.allowed ? 0 : req.points),
      allowed: row.allowed,
    };
  }

  async reset(key: string): Promise<boolean> {
    return this.buckets.delete(requireText('key', key, MAX_KEY_LENGTH));
  }

  /** Starts a sweep when the last is a minute old; never delays or fails the caller. */
  private maybeSweep(): void {
    const now = Date.now();
    if (now - this.lastSweepMs < SWEEP_EVERY_MS) return;
    this.lastSweepMs = now;
    // A failed sweep costs nothing but a few rows until the next one, a minute later.
    this.buckets.sweep().catch(() => undefined);
  }
}

/**
 * What a bucket's arrival time means to a caller: whole points left, how long until `wanted`
 * more points fit (0 when none are wanted), how long until it is full.
 */
function bucketState(
  row: Pick<RateLimitRow, 'tat_us' | 'now_us'> | undefined,
  intervalUs: bigint,
  burstUs: bigint,
  wanted: number,
): Omit<Input<ConsumeRateLimitResponse>, 'allowed'> {
  const usedUs = row ? maxBig(0n, BigInt(row.tat_us) - BigInt(row.now_us)) : 0n;
  const remaining = Number((burstUs - usedUs) / intervalUs);
  const waitUs = maxBig(0n, usedUs + BigInt(wanted) * intervalUs - burstUs);
  return {
    remaining: Math.max(0, remaining),
    retryAfterMs: ceilMs(waitUs),
    resetAfterMs: ceilMs(usedUs),
  };
}

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const ceilMs = (us: bigint): bigint => (us + 999n) / 1000n;
