import { readFileSync } from 'node:fs';
import { InvalidArgumentError, LIMIT_NAMES, LIMIT_PROFILES, type Limits } from '@huedb/core';
import { ConfigError } from '@huedb/service';
import { z } from 'zod';

/**
 * Plans: named sets of {@link Limits} (docs/decisions/0029-plans-and-quotas.md). Three ship
 * (`free`, `pro`, `unlimited`, in @huedb/core); a plans file (HUEDB_PLANS_FILE) may add plans or
 * redefine these. A tenant has a plan (the deployment's default, HUEDB_PLAN, until the admin API
 * sets one) and optional per-limit overrides on top of it.
 *
 * Outside the code, limits are named in snake_case (`max_collections_per_tenant`), as the rest of
 * the HTTP API, and a value is a whole number ≥ 0 or `null` for "no limit".
 */

/** A limit's outside name: `maxCollectionsPerTenant` → `max_collections_per_tenant`. */
export const limitKey = (name: keyof Limits): string =>
  name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const KEY_TO_NAME = new Map(LIMIT_NAMES.map((name) => [limitKey(name), name]));

/** Per-limit values as stored and sent: outside names, `null` = unlimited. */
export type LimitValues = Partial<Record<string, number | null>>;

// The largest value a limit takes (beyond it, null): keeps sums and headers exact integers.
const limitValue = z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.null()]);

/** Per-limit overrides (a tenant's, or a plan's own values in a plans file): known names only. */
export const limitValuesSchema = z.record(z.string(), limitValue).superRefine((values, ctx) => {
  for (const key of Object.keys(values)) {
    if (!KEY_TO_NAME.has(key)) {
      ctx.addIssue({ code: 'custom', message: `unknown limit "${key}"`, path: [key] });
    }
  }
});

const PLAN_NAME_RULE = 'a plan name is 1-64 of a-z, 0-9, _ and -, from a letter';
const planNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, PLAN_NAME_RULE);

const plansFileSchema = z.strictObject({
  plans: z.record(
    planNameSchema,
    z.object({ extends: planNameSchema.optional() }).catchall(limitValue),
  ),
});

/** Applies outside-named values (null = unlimited) to a set of limits. */
export function applyLimitValues(base: Limits, values: LimitValues): Limits {
  const out: Record<string, number> = { ...base };
  for (const [key, value] of Object.entries(values)) {
    const name = KEY_TO_NAME.get(key);
    if (name === undefined || value === undefined) continue;
    out[name] = value ?? Infinity;
  }
  // Pre-flight's max_batch_size follows the write limit unless the values set it themselves.
  if (values.max_batch_size !== undefined && values.preflight_max_batch_size === undefined) {
    out.preflightMaxBatchSize = Number.isFinite(out.maxBatchSize!)
      ? out.maxBatchSize!
      : LIMIT_PROFILES.unlimited.preflightMaxBatchSize;
  }
  return Object.freeze(out) as unknown as Limits;
}

/** Limits as outside values: every limit, Infinity as null (what the admin API answers). */
export function limitValuesOf(limits: Limits): Record<string, number | null> {
  return Object.fromEntries(
    LIMIT_NAMES.map((name) => [
      limitKey(name),
      Number.isFinite(limits[name]) ? limits[name] : null,
    ]),
  );
}

/** The deployment's plans: the shipped ones, with a plans file's on top. */
export class PlanBook {
  private constructor(private readonly plans: ReadonlyMap<string, Limits>) {}

  /** The shipped plans, then those of `file` (JSON, see docs/configuration.md), if any. */
  static load(file?: string): PlanBook {
    const plans = new Map<string, Limits>(Object.entries(LIMIT_PROFILES));
    if (file === undefined) return new PlanBook(plans);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`HUEDB_PLANS_FILE=${file}: ${(err as Error).message}`);
    }
    const parsed = plansFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      // A record's key issue says only "Invalid key": say what a plan name is instead.
      const message = issue.code === 'invalid_key' ? PLAN_NAME_RULE : issue.message;
      throw new ConfigError(
        `HUEDB_PLANS_FILE=${file}: ${issue.path.join('.') || '(root)'}: ${message}`,
      );
    }
    // A plan may extend one defined earlier in the file or a shipped one.
    for (const [name, { extends: parent, ...values }] of Object.entries(parsed.data.plans)) {
      const unknown = Object.keys(values).find((key) => !KEY_TO_NAME.has(key));
      if (unknown !== undefined) {
        throw new ConfigError(
          `HUEDB_PLANS_FILE=${file}: plans.${name}: unknown limit "${unknown}"`,
        );
      }
      const base =
        plans.get(parent ?? name) ?? (parent === undefined ? LIMIT_PROFILES.unlimited : undefined);
      if (base === undefined) {
        throw new ConfigError(
          `HUEDB_PLANS_FILE=${file}: plans.${name} extends "${parent}", which is not defined before it`,
        );
      }
      plans.set(name, applyLimitValues(base, values));
    }
    return new PlanBook(plans);
  }

  /** This book with one more plan (or `name` redefined). */
  with(name: string, limits: Limits): PlanBook {
    return new PlanBook(new Map([...this.plans, [name, limits]]));
  }

  /** Every plan's name. */
  names(): string[] {
    return [...this.plans.keys()];
  }

  /** The plan's limits; undefined when there is no such plan. */
  get(name: string): Limits | undefined {
    return this.plans.get(name);
  }

  /** The named plan's limits, or InvalidArgumentError (400) naming the plans there are. */
  require(name: string): Limits {
    const limits = this.plans.get(name);
    if (limits === undefined) {
      throw new InvalidArgumentError(
        `Unknown plan ${JSON.stringify(name)}; plans: ${this.names().join(', ')}`,
      );
    }
    return limits;
  }
}

/**
 * The plans and the default plan of a deployment's gateways (HUEDB_PLANS_FILE, HUEDB_PLAN), both
 * checked at startup: a default plan that the book does not hold is a ConfigError.
 */
export function loadPlans(config: { plan: string; plansFile?: string | undefined }): {
  book: PlanBook;
  defaultPlan: string;
} {
  const book = PlanBook.load(config.plansFile);
  if (book.get(config.plan) === undefined) {
    throw new ConfigError(
      `HUEDB_PLAN=${config.plan}: no such plan (plans: ${book.names().join(', ')})`,
    );
  }
  return { book, defaultPlan: config.plan };
}
