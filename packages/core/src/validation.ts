/**
 * Chroma's input rules as functions. Three kinds of failure, as in Chroma:
 * - a body that does not fit the API's schema (a wrong JSON type, a missing required field, an
 *   unknown `include` value) → UnprocessableEntityError (422), which Chroma's JSON deserializer
 *   gives before any rule runs;
 * - a well-typed value that breaks a rule (empty id, reserved key, bad name, non-finite vector,
 *   wrong dimension, mismatched lengths) → InvalidArgumentError (400);
 * - a value over a plan limit ({@link Limits}) → QuotaExceededError (422), worded like hosted
 *   Chroma's quota enforcer.
 */

export * from './validation/limits.js';
export * from './validation/names.js';
export * from './validation/metadata.js';
export * from './validation/records.js';
export * from './validation/log-records.js';
