import { InvalidArgumentError, type Space } from '@huedb/core';

/** HNSW settings as Chroma reports them in `configuration_json.hnsw`. */
export interface HnswConfiguration {
  space: Space;
  ef_construction: number;
  ef_search: number;
  max_neighbors: number;
  resize_factor: number;
  sync_threshold: number;
}

/** A collection's normalized configuration (stored in the catalog as JSON text). */
export interface CollectionConfiguration {
  hnsw: HnswConfiguration | null;
  spann: (Record<string, unknown> & { space: Space }) | null;
  embedding_function: Record<string, unknown> | null;
}

export const DEFAULT_HNSW: HnswConfiguration = {
  space: 'l2',
  ef_construction: 100,
  ef_search: 100,
  max_neighbors: 16,
  resize_factor: 1.2,
  sync_threshold: 1000,
};

/** Legacy metadata keys that configure HNSW (Chroma < 1.0 clients still send them). */
const LEGACY_KEYS: Record<string, keyof HnswConfiguration> = {
  'hnsw:space': 'space',
  'hnsw:construction_ef': 'ef_construction',
  'hnsw:search_ef': 'ef_search',
  'hnsw:M': 'max_neighbors',
  'hnsw:resize_factor': 'resize_factor',
  'hnsw:sync_threshold': 'sync_threshold',
};

/**
 * The configuration of a new collection from the request's `configuration` and its legacy
 * `hnsw:*` metadata (explicit configuration wins). A `spann` block is accepted and kept (its
 * space is honoured; HueDB serves it with HNSW).
 */
export function normalizeConfiguration(
  input: Record<string, unknown> | null | undefined,
  metadata: Record<string, unknown> | null | undefined,
): CollectionConfiguration {
  const legacy: Partial<Record<keyof HnswConfiguration, unknown>> = {};
  for (const [key, field] of Object.entries(LEGACY_KEYS)) {
    if (metadata && key in metadata) legacy[field] = metadata[key];
  }
  const hnswInput = objectOrNull(input?.hnsw, 'configuration.hnsw');
  const spannInput = objectOrNull(input?.spann, 'configuration.spann');
  const embeddingFunction = objectOrNull(
    input?.embedding_function,
    'configuration.embedding_function',
  );
  if (spannInput) {
    if (hnswInput)
      throw new InvalidArgumentError('Cannot specify both hnsw and spann configurations');
    const space = spannInput.space ?? legacy.space ?? 'l2';
    return {
      hnsw: null,
      spann: { ...spannInput, space: checkSpace(space) },
      embedding_function: embeddingFunction,
    };
  }
  return {
    hnsw: mergeHnsw({ ...DEFAULT_HNSW }, { ...legacy, ...(hnswInput ?? {}) }),
    spann: null,
    embedding_function: embeddingFunction,
  };
}

/**
 * Applies an update. `space` and `ef_construction` are fixed at creation (the index is built with
 * them); changing them is an error, repeating them is not.
 */
export function updateConfiguration(
  current: CollectionConfiguration,
  update: Record<string, unknown>,
): CollectionConfiguration {
  const next: CollectionConfiguration = structuredClone(current);
  const hnswUpdate = objectOrNull(update.hnsw, 'new_configuration.hnsw');
  if (hnswUpdate) {
    if (!next.hnsw) throw new InvalidArgumentError('Cannot update hnsw on a spann collection');
    for (const fixed of ['space', 'ef_construction'] as const) {
      if (fixed in hnswUpdate && hnswUpdate[fixed] !== next.hnsw[fixed]) {
        throw new InvalidArgumentError(
          `${fixed} cannot be changed after the collection is created`,
        );
      }
    }
    next.hnsw = mergeHnsw(next.hnsw, hnswUpdate);
  }
  const spannUpdate = objectOrNull(update.spann, 'new_configuration.spann');
  if (spannUpdate) {
    if (!next.spann) throw new InvalidArgumentError('Cannot update spann on an hnsw collection');
    if ('space' in spannUpdate && spannUpdate.space !== next.spann.space) {
      throw new InvalidArgumentError('space cannot be changed after the collection is created');
    }
    next.spann = { ...next.spann, ...spannUpdate, space: next.spann.space };
  }
  if ('embedding_function' in update) {
    next.embedding_function = objectOrNull(
      update.embedding_function,
      'new_configuration.embedding_function',
    );
  }
  return next;
}

/** The distance space a collection's vectors are compared in. */
export function spaceOf(configuration: CollectionConfiguration): Space {
  return configuration.hnsw?.space ?? configuration.spann?.space ?? 'l2';
}

function mergeHnsw(base: HnswConfiguration, input: Record<string, unknown>): HnswConfiguration {
  const out = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    switch (key) {
      case 'space':
        out.space = checkSpace(value);
        break;
      case 'ef_construction':
      case 'ef_search':
      case 'max_neighbors':
      case 'sync_threshold':
        out[key] = positiveInt(value, `hnsw.${key}`);
        break;
      case 'resize_factor':
        if (typeof value !== 'number' || !(value > 1)) {
          throw new InvalidArgumentError('hnsw.resize_factor must be a number greater than 1');
        }
        out.resize_factor = value;
        break;
      case 'batch_size':
      case 'num_threads':
        positiveInt(value, `hnsw.${key}`); // accepted for compatibility; HueDB sizes these itself
        break;
      default:
        throw new InvalidArgumentError(`Unknown hnsw configuration field: ${key}`);
    }
  }
  return out;
}

function checkSpace(value: unknown): Space {
  if (value === 'l2' || value === 'cosine' || value === 'ip') return value;
  throw new InvalidArgumentError(
    `Invalid space: ${JSON.stringify(value)}; expected l2, cosine or ip`,
  );
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer`);
  }
  return value;
}

function objectOrNull(value: unknown, name: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`${name} must be an object`);
  }
  return value as Record<string, unknown>;
}
