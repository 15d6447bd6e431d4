import { deserializeError, readObject, readString, readVariant, unexpected } from './decode.js';

/**
 * A collection's embedding function as the clients persist it (Chroma's
 * `EmbeddingFunctionConfiguration`, tagged by `type`): `legacy` (the client embeds and nothing is
 * recorded), `unknown`, or `known` with the function's registered name and its config. The server
 * never runs it; clients rebuild the function from it, so a malformed one must be refused up
 * front — the Python client fails with `KeyError: 'type'` on the next query otherwise.
 */
export type EmbeddingFunctionConfig =
  { type: 'legacy' } | { type: 'unknown' } | { type: 'known'; name: string; config: unknown };

const TYPES = ['legacy', 'known', 'unknown'] as const;

/**
 * Reads an embedding function configuration at `path` (e.g. `configuration.embedding_function`).
 * Fields other than `type`, `name` and `config` are ignored, and `config` may be any JSON value,
 * as in Chroma. Throws Chroma's 422 on anything else.
 */
export function readEmbeddingFunction(value: unknown, path: string): EmbeddingFunctionConfig {
  if (Array.isArray(value)) deserializeError(path, 'missing field `type`');
  if (typeof value !== 'object' || value === null) {
    deserializeError(
      path,
      `invalid type: ${unexpected(value)}, expected internally tagged enum EmbeddingFunctionConfiguration`,
    );
  }
  const object = readObject(value, path, 'internally tagged enum EmbeddingFunctionConfiguration');
  if (!('type' in object)) deserializeError(path, 'missing field `type`');
  const type = readVariant(TYPES)(object.type, `${path}.type`);
  if (type !== 'known') return { type };
  // serde reads an internally tagged variant's fields from buffered content: a wrong type is
  // reported at the enum's path, not the field's.
  if (!('name' in object)) deserializeError(path, 'missing field `name`');
  const name = readString(object.name, path);
  if (!('config' in object)) deserializeError(path, 'missing field `config`');
  return { type: 'known', name, config: object.config };
}

/**
 * Chroma's notion of a "default" embedding function: none, `unknown`, or the known `default`
 * one. A default one does not count as the caller configuring anything when schema and
 * configuration are reconciled; `legacy` does.
 */
export function isDefaultEmbeddingFunction(ef: EmbeddingFunctionConfig | undefined): boolean {
  if (ef === undefined) return true;
  switch (ef.type) {
    case 'legacy':
      return false;
    case 'unknown':
      return true;
    case 'known':
      return ef.name === 'default';
  }
}

/** The configuration as Chroma serializes it (`type` first). */
export function embeddingFunctionJson(ef: EmbeddingFunctionConfig): Record<string, unknown> {
  return ef.type === 'known'
    ? { type: 'known', name: ef.name, config: ef.config }
    : { type: ef.type };
}
