import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import { SPACES, type Metadata, type Space } from '../types.js';
import {
  field,
  readFloat,
  readStruct,
  readUnsigned,
  readVariant,
  type FieldSpec,
} from './decode.js';
import {
  embeddingFunctionJson,
  isDefaultEmbeddingFunction,
  readEmbeddingFunction,
  type EmbeddingFunctionConfig,
} from './embedding-function.js';

/**
 * A collection's configuration (Chroma's `configuration` / `configuration_json`): the HNSW
 * parameters of its vector index and its embedding function. HueDB serves every collection with
 * HNSW, as `chroma run` does: a `spann` block is accepted, only its `space` is kept.
 */

/** Every HNSW parameter, resolved (Chroma's `InternalHnswConfiguration`). */
export interface HnswParameters {
  space: Space;
  ef_construction: number;
  ef_search: number;
  max_neighbors: number;
  /** Accepted and reported; HueDB sizes its build threads itself. */
  num_threads: number;
  /** Accepted and reported; HueDB's index grows without it. */
  resize_factor: number;
  /** Accepted and reported; HueDB's log decides when the index is rebuilt. */
  sync_threshold: number;
  /** Accepted and reported; see sync_threshold. */
  batch_size: number;
}

/** A resolved configuration (Chroma's `InternalCollectionConfiguration` with an HNSW index). */
export interface ResolvedConfiguration {
  hnsw: HnswParameters;
  embedding_function?: EmbeddingFunctionConfig;
}

/**
 * Chroma's default `num_threads`: the machine's parallelism. It takes part in "is this
 * configuration the default" (a configuration naming another value is not), as in Chroma.
 */
export const DEFAULT_NUM_THREADS = availableParallelism();

/** Chroma's HNSW defaults. */
export function defaultHnswParameters(): HnswParameters {
  return {
    space: 'l2',
    ef_construction: 100,
    ef_search: 100,
    max_neighbors: 16,
    num_threads: DEFAULT_NUM_THREADS,
    resize_factor: 1.2,
    sync_threshold: 1000,
    batch_size: 100,
  };
}

/** The `configuration` of a create request, as given (every field optional). */
export interface ConfigurationInput {
  hnsw?: Partial<HnswParameters>;
  spann?: { space?: Space } & Record<string, unknown>;
  embedding_function?: EmbeddingFunctionConfig;
}

/** The `new_configuration` of an update request, as given. */
export interface ConfigurationUpdate {
  hnsw?: Partial<
    Pick<
      HnswParameters,
      | 'ef_search'
      | 'max_neighbors'
      | 'num_threads'
      | 'resize_factor'
      | 'sync_threshold'
      | 'batch_size'
    >
  >;
  spann?: { search_nprobe?: number; ef_search?: number };
  embedding_function?: EmbeddingFunctionConfig;
}

const usize = readUnsigned('usize');
const u32 = readUnsigned('u32');
const f64 = readFloat('f64');
/** A `space` value (l2, cosine, ip). */
export const readSpace = readVariant<Space>(SPACES);

const hnswSpecs = {
  space: field(readSpace, 'space'),
  ef_construction: field(usize, 'ef_construction'),
  ef_search: field(usize, 'ef_search'),
  max_neighbors: field(usize, 'max_neighbors'),
  num_threads: field(usize, 'num_threads'),
  resize_factor: field(f64, 'resize_factor'),
  sync_threshold: field(usize, 'sync_threshold'),
  batch_size: field(usize, 'batch_size'),
};
const spannSpecs = {
  search_nprobe: field(u32, 'search_nprobe'),
  write_nprobe: field(u32, 'write_nprobe'),
  space: field(readSpace, 'space'),
  ef_construction: field(usize, 'ef_construction'),
  ef_search: field(usize, 'ef_search'),
  max_neighbors: field(usize, 'max_neighbors'),
  reassign_neighbor_count: field(u32, 'reassign_neighbor_count'),
  split_threshold: field(u32, 'split_threshold'),
  merge_threshold: field(u32, 'merge_threshold'),
};
const updateHnswSpecs = {
  ef_search: field(usize, 'ef_search'),
  max_neighbors: field(usize, 'max_neighbors'),
  num_threads: field(usize, 'num_threads'),
  resize_factor: field(f64, 'resize_factor'),
  sync_threshold: field(usize, 'sync_threshold'),
  batch_size: field(usize, 'batch_size'),
};
const updateSpannSpecs = {
  search_nprobe: field(u32, 'search_nprobe'),
  ef_search: field(usize, 'ef_search'),
};
const efSpec: FieldSpec<EmbeddingFunctionConfig> = field(
  readEmbeddingFunction,
  'embedding_function',
);

/** Reads a create request's `configuration` (Chroma's 422 on a bad shape). */
export function readConfigurationInput(value: unknown, path = 'configuration'): ConfigurationInput {
  return readStruct(value, path, 'CollectionConfiguration', {
    hnsw: field(
      (v, p) => readStruct(v, p, 'HnswConfiguration', hnswSpecs, { denyUnknown: true }),
      'hnsw',
    ),
    spann: field(
      (v, p) => readStruct(v, p, 'SpannConfiguration', spannSpecs, { denyUnknown: true }),
      'spann',
    ),
    embedding_function: efSpec,
  });
}

/**
 * Reads an update request's `new_configuration` (422 on a bad shape: `space` and
 * `ef_construction` are unknown fields there, as in Chroma) and refuses hnsw and spann together.
 */
export function readConfigurationUpdate(
  value: unknown,
  path = 'new_configuration',
): ConfigurationUpdate {
  const update = readStruct(value, path, 'UpdateCollectionConfiguration', {
    hnsw: field(
      (v, p) => readStruct(v, p, 'UpdateHnswConfiguration', updateHnswSpecs, { denyUnknown: true }),
      'hnsw',
    ),
    spann: field(
      (v, p) =>
        readStruct(v, p, 'UpdateSpannConfiguration', updateSpannSpecs, { denyUnknown: true }),
      'spann',
    ),
    embedding_function: efSpec,
  });
  if (update.hnsw && update.spann) multipleVectorIndexes();
  return update;
}

function multipleVectorIndexes(): never {
  throw new InvalidArgumentError('Multiple vector index configurations provided');
}

/**
 * The configuration a create request asks for, from its `configuration` and the legacy `hnsw:*`
 * keys of its metadata, with Chroma's precedence: without an hnsw or spann block the metadata
 * decides; with an hnsw block that equals the defaults the metadata still wins (old clients send
 * both); any other hnsw block wins over the metadata; a spann block keeps only its space.
 */
export function resolveConfiguration(
  input: ConfigurationInput | undefined,
  metadata: Metadata | null | undefined,
): ResolvedConfiguration {
  const ef = input?.embedding_function;
  const withEf = (hnsw: HnswParameters): ResolvedConfiguration =>
    ef ? { hnsw, embedding_function: ef } : { hnsw };
  if (input?.hnsw && input.spann) multipleVectorIndexes();
  if (input?.spann) {
    return withEf({ ...defaultHnswParameters(), space: input.spann.space ?? 'l2' });
  }
  const fromMetadata = legacyHnswParameters(metadata);
  if (!input?.hnsw) return withEf(fromMetadata);
  const given = { ...defaultHnswParameters(), ...definedOnly(input.hnsw) };
  return withEf(sameHnsw(given, defaultHnswParameters()) ? fromMetadata : given);
}

const LEGACY_KEYS: Record<string, keyof HnswParameters> = {
  'hnsw:space': 'space',
  'hnsw:construction_ef': 'ef_construction',
  'hnsw:search_ef': 'ef_search',
  'hnsw:M': 'max_neighbors',
  'hnsw:num_threads': 'num_threads',
  'hnsw:resize_factor': 'resize_factor',
  'hnsw:sync_threshold': 'sync_threshold',
  'hnsw:batch_size': 'batch_size',
};

/**
 * HNSW parameters from legacy `hnsw:*` collection metadata. Like Chroma, any malformed one (an
 * unknown `hnsw:` key, a wrong type, sync_threshold or batch_size below 2) is a 400 with one
 * message, whichever it was.
 */
export function legacyHnswParameters(metadata: Metadata | null | undefined): HnswParameters {
  const out = defaultHnswParameters();
  if (!metadata) return out;
  const fail = (): never => {
    throw new InvalidArgumentError('Failed to parse hnsw parameters from segment metadata');
  };
  for (const [key, value] of Object.entries(metadata)) {
    if (!key.startsWith('hnsw:')) continue;
    const name = LEGACY_KEYS[key] ?? fail();
    if (name === 'space') {
      if (typeof value !== 'string' || !(SPACES as readonly string[]).includes(value)) fail();
      out.space = value as Space;
    } else if (name === 'resize_factor') {
      if (typeof value !== 'number') fail();
      out.resize_factor = value as number;
    } else {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail();
      out[name] = value as number;
    }
  }
  if (out.sync_threshold < 2 || out.batch_size < 2) fail();
  return out;
}

/** Whether Chroma would call this configuration "the default" (so a schema may decide). */
export function isDefaultConfiguration(configuration: ResolvedConfiguration): boolean {
  return (
    isDefaultEmbeddingFunction(configuration.embedding_function) &&
    sameHnsw(configuration.hnsw, defaultHnswParameters())
  );
}

function sameHnsw(a: HnswParameters, b: HnswParameters): boolean {
  return (Object.keys(a) as (keyof HnswParameters)[]).every((k) => a[k] === b[k]);
}

/** The fields of `value` that are set (readers leave absent fields out, callers may not). */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}

/** `configuration_json` as Chroma returns it. */
export interface ConfigurationJson {
  hnsw: {
    space: Space;
    ef_construction: number;
    ef_search: number;
    max_neighbors: number;
    resize_factor: number;
    sync_threshold: number;
  };
  spann: null;
  embedding_function: Record<string, unknown> | null;
}

/** A resolved configuration → `configuration_json` (num_threads and batch_size are not shown). */
export function configurationJson(configuration: ResolvedConfiguration): ConfigurationJson {
  const h = configuration.hnsw;
  return {
    hnsw: {
      space: h.space,
      ef_construction: h.ef_construction,
      ef_search: h.ef_search,
      max_neighbors: h.max_neighbors,
      resize_factor: h.resize_factor,
      sync_threshold: h.sync_threshold,
    },
    spann: null,
    embedding_function: configuration.embedding_function
      ? embeddingFunctionJson(configuration.embedding_function)
      : null,
  };
}

/**
 * HueDB's own limits on top of Chroma's: the HNSW index it builds needs at least 2 neighbours per
 * node and an ef_construction of at least 1 (Chroma accepts 0 and fails later, at build time;
 * HueDB's compactor would retry such a collection forever). 400 before anything is stored.
 */
export function checkBuildable(hnsw: HnswParameters): void {
  if (hnsw.max_neighbors < 2) {
    throw new InvalidArgumentError(
      `Invalid HNSW configuration: max_neighbors must be at least 2, got ${hnsw.max_neighbors}`,
    );
  }
  if (hnsw.ef_construction < 1) {
    throw new InvalidArgumentError(
      `Invalid HNSW configuration: ef_construction must be at least 1, got ${hnsw.ef_construction}`,
    );
  }
}
