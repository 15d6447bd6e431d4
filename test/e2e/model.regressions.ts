/**
 * Seeds (and shrink paths) of model-based failures found so far, replayed before the random runs
 * so a fixed bug stays fixed. Add one with the `seed`/`path` fast-check prints on failure.
 */
export const REGRESSIONS: { seed: number; path?: string; note: string }[] = [];
