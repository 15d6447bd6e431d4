/**
 * HueDB's domain types, as JSON-shaped TypeScript values. These are what the gateway decodes
 * Chroma's bodies into and what the reference model works on; the proto forms live in
 * `@huedb/proto` and the codecs between them in this package.
 */

/** A scalar metadata value. JSON does not tell `1` from `1.0`: both are the number 1 here. */
export type MetadataScalar = string | number | boolean;

/**
 * One metadata value as Chroma allows it: a string, a finite number, a boolean, or a non-empty
 * homogeneous array of one of those.
 */
export type MetadataValue = MetadataScalar | string[] | number[] | boolean[];

/** A record's or a collection's metadata. Keys are non-empty and never start with `#` or `$`. */
export type Metadata = { [key: string]: MetadataValue };

/** A value in an update/upsert metadata: `null` deletes the key. */
export type UpdateMetadataValue = MetadataValue | null;

/** Metadata in an update or upsert: merged key by key into the stored metadata. */
export type UpdateMetadata = { [key: string]: UpdateMetadataValue };

/** The distance functions a collection can use (Chroma's `hnsw.space`). */
export type Space = 'l2' | 'cosine' | 'ip';

/** Every {@link Space}, in Chroma's order. */
export const SPACES: readonly Space[] = ['l2', 'cosine', 'ip'];

/** What `get`/`query` may return besides ids (Chroma's `include`). */
export type IncludeField = 'documents' | 'embeddings' | 'metadatas' | 'distances' | 'uris';

/** Every {@link IncludeField}, in the order Chroma lists them. */
export const INCLUDE_FIELDS: readonly IncludeField[] = [
  'documents',
  'embeddings',
  'metadatas',
  'distances',
  'uris',
];

/**
 * One stored record of a collection. (Named CollectionRecord, not Record, so that it does not
 * shadow TypeScript's `Record` utility type where it is imported.)
 */
export interface CollectionRecord {
  /** The user's id: a non-empty string, unique in the collection. */
  id: string;
  /** The vector, or null where it was not requested or is not known. */
  embedding: Float32Array | null;
  /** The document text, or null when it has none. */
  document: string | null;
  /** The URI, or null when it has none. */
  uri: string | null;
  /** The metadata, or null when it has none (a record never reads back `{}`). */
  metadata: Metadata | null;
}

/** `$eq` / `$ne`: equality with a scalar. */
export type EqualityOperator = '$eq' | '$ne';
/** `$gt` / `$gte` / `$lt` / `$lte`: numbers only. */
export type RangeOperator = '$gt' | '$gte' | '$lt' | '$lte';
/** `$in` / `$nin`: membership of the stored scalar in a non-empty list. */
export type SetOperator = '$in' | '$nin';
/** `$contains` / `$not_contains` on a metadata key: the stored array holds the scalar. */
export type ContainsOperator = '$contains' | '$not_contains';
/** Operators on the document text. */
export type DocumentOperator = '$contains' | '$not_contains' | '$regex' | '$not_regex';

/** `$and` / `$or` of child filters. */
export interface LogicalNode<T> {
  /** Which connective. */
  type: 'and' | 'or';
  /** The children; an empty `$and` matches everything, an empty `$or` nothing. */
  children: T[];
}

/** `{key: value}` or `{key: {$eq|$ne: value}}`. */
export interface EqualityNode {
  /** Node kind. */
  type: 'equality';
  /** The metadata key. */
  key: string;
  /** `$eq` or `$ne`. */
  op: EqualityOperator;
  /** The scalar to compare with. */
  value: MetadataScalar;
}

/** `{key: {$gt|$gte|$lt|$lte: number}}`. */
export interface RangeNode {
  /** Node kind. */
  type: 'range';
  /** The metadata key. */
  key: string;
  /** The comparison. */
  op: RangeOperator;
  /** A finite number. */
  value: number;
}

/** `{key: {$in|$nin: [v, ...]}}`. */
export interface SetNode {
  /** Node kind. */
  type: 'set';
  /** The metadata key. */
  key: string;
  /** `$in` or `$nin`. */
  op: SetOperator;
  /** A non-empty list of one scalar type. */
  values: string[] | number[] | boolean[];
}

/** `{key: {$contains|$not_contains: scalar}}` on a metadata key. */
export interface ContainsNode {
  /** Node kind. */
  type: 'contains';
  /** The metadata key. */
  key: string;
  /** `$contains` or `$not_contains`. */
  op: ContainsOperator;
  /** The scalar looked for in the stored array. */
  value: MetadataScalar;
}

/** A filter on the document text (`where_document`, or `#document` inside `where`). */
export interface DocumentNode {
  /** Node kind. */
  type: 'document';
  /** The operator. */
  op: DocumentOperator;
  /** A substring (`$contains`) or a regular expression (`$regex`). */
  pattern: string;
}

/** A parsed `where` filter. */
export type WhereNode =
  LogicalNode<WhereNode> | EqualityNode | RangeNode | SetNode | ContainsNode | DocumentNode;

/** A parsed `where_document` filter. */
export type WhereDocumentNode = LogicalNode<WhereDocumentNode> | DocumentNode;
