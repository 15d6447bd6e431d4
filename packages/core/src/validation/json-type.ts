/** Helpers the validators share for messages about JSON values. */

/** The JSON type of a value in Chroma's words (`list` for an array), for messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

/** True for a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
