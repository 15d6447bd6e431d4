/** The injection token of the gateway's {@link Limits} (from @huedb/core). */
export const LIMITS = Symbol('Limits');
