import type { Metadata } from '@huedb/proto/common';
import { invalid } from './catalog.errors.js';
import { MetadataError, metadataToJson } from './metadata.mapper.js';

/** A request message without protobuf-es's bookkeeping fields: what the services read. */
export type Input<T> = Omit<T, '$typeName' | '$unknown'>;

/*
 * The checks every service makes of its input. Names are validated by the gateway; here they
 * only have to be non-empty (and unique, and exist: the services' business).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireName(what: string, name: string): void {
  if (name === '') throw invalid(`${what} name must not be empty`);
}

/** The id in the form the catalog stores (lower case); INVALID_ARGUMENT when it is no UUID. */
export function requireUuid(what: string, id: string): string {
  if (!UUID.test(id)) throw invalid(`Invalid ${what} id [${id}]: expected a UUID`);
  return id.toLowerCase();
}

export function requireJson(what: string, text: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
  return text;
}

/** Metadata as the jsonb text the repository stores; INVALID_ARGUMENT when it cannot be. */
export function encodeMetadata(metadata: Metadata): string {
  try {
    return metadataToJson(metadata);
  } catch (err) {
    if (err instanceof MetadataError) throw invalid(err.message);
    throw err;
  }
}

/** A page as the repositories take it (`limit` null = all). */
export function pagination(
  limit: number | undefined,
  offset: number,
): { limit: number | null; offset: number } {
  if (limit !== undefined && limit < 0) throw invalid(`limit must not be negative, got ${limit}`);
  if (offset < 0) throw invalid(`offset must not be negative, got ${offset}`);
  return { limit: limit ?? null, offset };
}
