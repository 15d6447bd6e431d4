import { InvalidArgumentError } from '../errors.js';
import type { MetadataScalar, WhereDocumentNode, WhereNode } from '../types.js';
import { DOCUMENT_KEY, type CollectionSchema, type ValueTypes } from './schema-types.js';

/** Chroma's names of metadata value types in its "indexing is disabled" message. */
type ValueTypeName = 'Str' | 'Int' | 'Float' | 'Bool';

/**
 * Refuses a filter that needs an index the collection's schema disabled, with Chroma's 400:
 * a `where` on a key whose inverted index for the compared value's type is off, or any document
 * filter (`where_document`, or `#document` inside `where`) when full-text search is off. Keys are
 * checked in the filter's order and the first refused one is reported. The value's type is the
 * filter's (a number is an Int when it is integral: JSON does not tell `1.0` from `1`).
 */
export function checkFiltersIndexed(
  schema: CollectionSchema,
  where: WhereNode | undefined,
  whereDocument: WhereDocumentNode | undefined,
): void {
  if (where) checkWhere(schema, where);
  if (whereDocument && !ftsEnabled(schema)) ftsDisabled();
}

function checkWhere(schema: CollectionSchema, node: WhereNode): void {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const child of node.children) checkWhere(schema, child);
      return;
    case 'document':
      if (!ftsEnabled(schema)) ftsDisabled();
      return;
    case 'equality':
    case 'contains':
    case 'range':
      return checkKey(schema, node.key, typeOf(node.value));
    case 'set':
      return checkKey(schema, node.key, typeOf(node.values[0]!));
  }
}

function typeOf(value: MetadataScalar): ValueTypeName {
  if (typeof value === 'string') return 'Str';
  if (typeof value === 'boolean') return 'Bool';
  return Number.isInteger(value) ? 'Int' : 'Float';
}

/**
 * Whether the inverted index of `type` is on for `key`: the key's override when it has one for
 * that type, the defaults otherwise (as Chroma's `is_metadata_type_index_enabled`). A stored
 * schema always has defaults for every type; were one missing, the index counts as on.
 */
function checkKey(schema: CollectionSchema, key: string, type: ValueTypeName): void {
  const enabled = (types: ValueTypes | undefined): boolean | undefined => {
    switch (type) {
      case 'Str':
        return types?.string?.string_inverted_index?.enabled;
      case 'Int':
        return types?.int?.int_inverted_index?.enabled;
      case 'Float':
        return types?.float?.float_inverted_index?.enabled;
      case 'Bool':
        return types?.bool?.bool_inverted_index?.enabled;
    }
  };
  if ((enabled(schema.keys[key]) ?? enabled(schema.defaults) ?? true) === false) {
    throw new InvalidArgumentError(
      `Cannot filter using metadata key '${key}' with type '${type}' because indexing is disabled`,
    );
  }
}

function ftsEnabled(schema: CollectionSchema): boolean {
  const fts = schema.keys[DOCUMENT_KEY]?.string?.fts_index ?? schema.defaults.string?.fts_index;
  return fts?.enabled ?? true;
}

function ftsDisabled(): never {
  throw new InvalidArgumentError(
    'Cannot filter using full-text search because FTS indexing is disabled',
  );
}
