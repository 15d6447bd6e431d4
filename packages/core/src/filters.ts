import { InvalidArgumentError } from './errors.js';
import { getOwn } from './own.js';
import { compileChromaRegex, type ChromaRegex } from './regex.js';
import type {
  DocumentNode,
  DocumentOperator,
  Metadata,
  MetadataScalar,
  MetadataValue,
  RangeOperator,
  WhereDocumentNode,
  WhereNode,
} from './types.js';

/**
 * Chroma's `where` and `where_document` filters: strict parsing into an AST, evaluation against
 * one record, predicate counting (for the plan limit) and serialization back to canonical JSON
 * (query nodes receive filters as JSON text).
 *
 * Parsing follows Chroma 1.x's server (rust/types/src/where_parsing.rs); the messages start with
 * the server's own text ("Invalid where clause" / "Invalid where document clause") and go on with
 * the detail its Python client would give. Deliberate choices:
 * - `$and` / `$or` take a list of any length, as Chroma's server does (its clients insist on at
 *   least two). An empty `$and` matches every record, an empty `$or` none.
 * - `$in` / `$nin` lists must be non-empty and of one type; integers and floats are one type
 *   (JSON numbers), where Chroma's server decides by the first element's representation.
 * - `#document` accepts only `$contains`, `$not_contains`, `$regex`, `$not_regex` (with a string).
 *
 * Evaluation follows Chroma's reference semantics (rust/segment/src/test.rs, its model-based
 * test oracle):
 * - `$eq` and the range operators match only a stored scalar of the same type; `$ne`, `$nin` and
 *   `$not_contains` are the exact negations of `$eq`, `$in` and `$contains`, so they MATCH records
 *   that lack the key, hold another type, or hold an array.
 * - Numbers compare numerically (JSON has no separate int and float); booleans are not numbers.
 *   (Chroma truncates a float operand to an integer when the stored value is an int; HueDB does
 *   not: `{"n": {"$eq": 1.5}}` does not match `n = 1`.)
 * - `$contains` on a metadata key is true only when the stored value is an array holding the
 *   scalar: a stored scalar never contains anything (so `$not_contains` matches it), as
 *   `chroma run` 1.5.9 answers (its test oracle treats a scalar as a one-element array; the
 *   server does not, and the server is what clients see).
 * - Document `$contains` is a case-sensitive substring test; a record without a document matches
 *   `$not_contains` and `$not_regex` and nothing else.
 */

/** A `where` or `where_document` filter as JSON (one key per object). */
export type FilterJson = { [key: string]: unknown };

/** Deeper filters are rejected, as serde_json's recursion limit rejects them in Chroma. */
export const MAX_FILTER_DEPTH = 128;

const WHERE_ERROR = 'Invalid where clause';
const WHERE_DOCUMENT_ERROR = 'Invalid where document clause';
const DOCUMENT_KEY = '#document';
const WHERE_OPERATORS = [
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$ne',
  '$eq',
  '$in',
  '$nin',
  '$contains',
  '$not_contains',
];
const DOCUMENT_OPERATORS: readonly DocumentOperator[] = [
  '$contains',
  '$not_contains',
  '$regex',
  '$not_regex',
];

// A value for a message, at most ~200 characters. Never recurses itself: a value too deep for
// JSON.stringify (or a cycle) is shown by its type alone, since String() of a deep array would
// recurse as deeply and overflow the stack.
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[...]' : typeof value === 'object' ? '{...}' : typeof value;
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function isPlainObject(value: unknown): value is FilterJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is MetadataScalar {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function onlyEntry(obj: FilterJson): [string, unknown] | undefined {
  const keys = Object.keys(obj);
  return keys.length === 1 ? [keys[0]!, obj[keys[0]!]] : undefined;
}

// A regex is validated where the filter is parsed; its error is Chroma's own message, which
// carries no "Invalid where clause" prefix in Chroma either.
function documentNode(op: DocumentOperator, pattern: string): DocumentNode {
  if (op === '$regex' || op === '$not_regex') compileChromaRegex(pattern);
  return { type: 'document', op, pattern };
}

/**
 * Parses and validates a `where` filter. Throws InvalidArgumentError (400) on any invalid shape.
 * @param json - the filter as decoded from the request body
 */
export function parseWhere(json: unknown): WhereNode {
  return parseWhereAt(json, 0);
}

function parseWhereAt(json: unknown, depth: number): WhereNode {
  const invalid = (detail: string): never => {
    throw new InvalidArgumentError(`${WHERE_ERROR}: ${detail}`);
  };
  if (depth > MAX_FILTER_DEPTH) invalid(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (!isPlainObject(json)) return invalid(`Expected where to be a dict, got ${show(json)}`);
  const entry = onlyEntry(json);
  if (!entry) return invalid(`Expected where to have exactly one operator, got ${show(json)}`);
  const [key, value] = entry;

  if (key === '$and' || key === '$or') {
    if (!Array.isArray(value)) {
      return invalid(
        `Expected where value for $and or $or to be a list of where expressions, got ${show(value)}`,
      );
    }
    return {
      type: key === '$and' ? 'and' : 'or',
      children: value.map((child) => parseWhereAt(child, depth + 1)),
    };
  }
  if (key.startsWith('$')) {
    return invalid(
      `Expected where key to be a metadata field name or a logical operator ($and, $or), got ${key}`,
    );
  }

  if (isScalar(value)) {
    if (key === DOCUMENT_KEY) {
      return invalid(`Expected an operator expression for ${DOCUMENT_KEY}, got ${show(value)}`);
    }
    return { type: 'equality', key, op: '$eq', value };
  }
  if (!isPlainObject(value)) {
    return invalid(
      `Expected where value to be a str, int, float, or operator expression, got ${show(value)}`,
    );
  }
  const op = onlyEntry(value);
  if (!op) {
    return invalid(`Expected operator expression to have exactly one operator, got ${show(value)}`);
  }
  const [operator, operand] = op;

  if (key === DOCUMENT_KEY) {
    if (!(DOCUMENT_OPERATORS as readonly string[]).includes(operator)) {
      return invalid(
        `Expected operator for ${DOCUMENT_KEY} to be one of ${DOCUMENT_OPERATORS.join(', ')}, got ${operator}`,
      );
    }
    if (typeof operand !== 'string') {
      return invalid(
        `Expected operand value to be a str for operator ${operator} on ${DOCUMENT_KEY}, got ${show(operand)}`,
      );
    }
    return documentNode(operator as DocumentOperator, operand);
  }

  switch (operator) {
    case '$eq':
    case '$ne':
      if (!isScalar(operand)) {
        return invalid(
          `Expected operand value to be a str, int, float, or bool for operator ${operator}, got ${show(operand)}`,
        );
      }
      return { type: 'equality', key, op: operator, value: operand };
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      if (typeof operand !== 'number' || !Number.isFinite(operand)) {
        return invalid(
          `Expected operand value to be an int or a float for operator ${operator}, got ${show(operand)}`,
        );
      }
      return { type: 'range', key, op: operator, value: operand };
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand)) {
        return invalid(
          `Expected operand value to be an list for operator ${operator}, got ${show(operand)}`,
        );
      }
      const kind = typeof operand[0];
      if (
        operand.length === 0 ||
        !operand.every((x) => isScalar(x) && typeof x === kind) // also rejects NaN/Infinity
      ) {
        return invalid(
          `Expected where operand value to be a non-empty list, and all values to be of the same type got ${show(operand)}`,
        );
      }
      return {
        type: 'set',
        key,
        op: operator,
        values: operand.slice() as string[] | number[] | boolean[],
      };
    }
    case '$contains':
    case '$not_contains':
      if (!isScalar(operand)) {
        return invalid(
          `Expected operand value to be a str, int, float, or bool for operator ${operator}, got ${show(operand)}`,
        );
      }
      return { type: 'contains', key, op: operator, value: operand };
    default:
      return invalid(
        `Expected where operator to be one of ${WHERE_OPERATORS.join(', ')}, got ${operator}`,
      );
  }
}

/**
 * Parses and validates a `where_document` filter. Throws InvalidArgumentError (400) on any invalid
 * shape or an invalid regular expression.
 * @param json - the filter as decoded from the request body
 */
export function parseWhereDocument(json: unknown): WhereDocumentNode {
  return parseWhereDocumentAt(json, 0);
}

function parseWhereDocumentAt(json: unknown, depth: number): WhereDocumentNode {
  const invalid = (detail: string): never => {
    throw new InvalidArgumentError(`${WHERE_DOCUMENT_ERROR}: ${detail}`);
  };
  if (depth > MAX_FILTER_DEPTH) invalid(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (!isPlainObject(json)) {
    return invalid(`Expected where document to be a dictionary, got ${show(json)}`);
  }
  const entry = onlyEntry(json);
  if (!entry) {
    return invalid(`Expected where document to have exactly one operator, got ${show(json)}`);
  }
  const [operator, operand] = entry;
  if (operator === '$and' || operator === '$or') {
    if (!Array.isArray(operand)) {
      return invalid(
        `Expected document value for $and or $or to be a list of where document expressions, got ${show(operand)}`,
      );
    }
    return {
      type: operator === '$and' ? 'and' : 'or',
      children: operand.map((child) => parseWhereDocumentAt(child, depth + 1)),
    };
  }
  if (!(DOCUMENT_OPERATORS as readonly string[]).includes(operator)) {
    return invalid(
      `Expected where document operator to be one of ${DOCUMENT_OPERATORS.join(', ')}, $and, $or, got ${operator}`,
    );
  }
  if (typeof operand !== 'string') {
    return invalid(
      `Expected where document operand value for operator ${operator} to be a str, got ${show(operand)}`,
    );
  }
  return documentNode(operator as DocumentOperator, operand);
}

// Compiled once per parsed node, on first use (compileChromaRegex also caches by pattern).
const regexCache = new WeakMap<DocumentNode, ChromaRegex>();

/**
 * The compiled regex of a `$regex` / `$not_regex` predicate.
 * @param node - a parsed document predicate with a regex operator
 */
export function regexOf(node: DocumentNode): ChromaRegex {
  let re = regexCache.get(node);
  if (!re) {
    re = compileChromaRegex(node.pattern);
    regexCache.set(node, re);
  }
  return re;
}

/**
 * Results of a filter's regex predicates for one document, computed ahead (in slices, so a long
 * scan can yield to the event loop); a predicate missing from the map is evaluated on the spot.
 */
export type RegexResults = ReadonlyMap<DocumentNode, boolean>;

function regexMatches(node: DocumentNode, document: string, results?: RegexResults): boolean {
  return results?.get(node) ?? regexOf(node).test(document);
}

/**
 * Whether a document filter matches a record's document (null = the record has none).
 * @param node - a parsed document predicate
 * @param document - the record's document
 * @param results - regex results computed ahead, if any
 */
export function matchesDocument(
  node: DocumentNode,
  document: string | null,
  results?: RegexResults,
): boolean {
  switch (node.op) {
    case '$contains':
      return document !== null && document.includes(node.pattern);
    case '$not_contains':
      return !(document !== null && document.includes(node.pattern));
    case '$regex':
      return document !== null && regexMatches(node, document, results);
    case '$not_regex':
      return !(document !== null && regexMatches(node, document, results));
  }
}

/**
 * The `$regex` / `$not_regex` predicates of the filters, to evaluate ahead (see RegexResults).
 * @param nodes - parsed `where` and/or `where_document` filters
 */
export function regexPredicates(
  ...nodes: (WhereNode | WhereDocumentNode | undefined)[]
): DocumentNode[] {
  const out: DocumentNode[] = [];
  const visit = (node: WhereNode | WhereDocumentNode): void => {
    if (node.type === 'and' || node.type === 'or') node.children.forEach(visit);
    else if (node.type === 'document' && (node.op === '$regex' || node.op === '$not_regex')) {
      out.push(node);
    }
  };
  for (const node of nodes) if (node) visit(node);
  return out;
}

// Own properties only: a key such as `constructor` must not find Object.prototype's.
function storedValue(metadata: Metadata | null, key: string): MetadataValue | undefined {
  return metadata === null ? undefined : getOwn(metadata, key);
}

function compareRange(stored: number, op: RangeOperator, value: number): boolean {
  switch (op) {
    case '$gt':
      return stored > value;
    case '$gte':
      return stored >= value;
    case '$lt':
      return stored < value;
    case '$lte':
      return stored <= value;
  }
}

function sameScalar(stored: MetadataValue | undefined, value: MetadataScalar): boolean {
  // Same JS type and equal: numbers compare numerically, a boolean never equals a number.
  return stored !== undefined && typeof stored === typeof value && stored === value;
}

/**
 * Whether a `where` filter matches a record (semantics in this module's description).
 * @param node - the parsed filter
 * @param metadata - the record's metadata, null when it has none
 * @param document - the record's document, null when it has none
 * @param results - regex results computed ahead, if any
 */
export function matchesWhere(
  node: WhereNode,
  metadata: Metadata | null,
  document: string | null,
  results?: RegexResults,
): boolean {
  switch (node.type) {
    case 'and':
      return node.children.every((child) => matchesWhere(child, metadata, document, results));
    case 'or':
      return node.children.some((child) => matchesWhere(child, metadata, document, results));
    case 'document':
      return matchesDocument(node, document, results);
    case 'equality': {
      const equal = sameScalar(storedValue(metadata, node.key), node.value);
      return node.op === '$eq' ? equal : !equal;
    }
    case 'range': {
      const stored = storedValue(metadata, node.key);
      return typeof stored === 'number' && compareRange(stored, node.op, node.value);
    }
    case 'set': {
      const stored = storedValue(metadata, node.key);
      const found = (node.values as MetadataScalar[]).some((v) => sameScalar(stored, v));
      return node.op === '$in' ? found : !found;
    }
    case 'contains': {
      const stored = storedValue(metadata, node.key);
      const found =
        Array.isArray(stored) &&
        (stored as MetadataScalar[]).some((v) => sameScalar(v, node.value));
      return node.op === '$contains' ? found : !found;
    }
  }
}

/**
 * Whether a `where_document` filter matches a record's document.
 * @param node - the parsed filter
 * @param document - the record's document, null when it has none
 * @param results - regex results computed ahead, if any
 */
export function matchesWhereDocument(
  node: WhereDocumentNode,
  document: string | null,
  results?: RegexResults,
): boolean {
  switch (node.type) {
    case 'and':
      return node.children.every((child) => matchesWhereDocument(child, document, results));
    case 'or':
      return node.children.some((child) => matchesWhereDocument(child, document, results));
    case 'document':
      return matchesDocument(node, document, results);
  }
}

/**
 * Whether a record passes both filters (Chroma combines `where` and `where_document` with AND);
 * an absent filter passes everything.
 * @param where - the parsed `where`, if any
 * @param whereDocument - the parsed `where_document`, if any
 * @param metadata - the record's metadata, null when it has none
 * @param document - the record's document, null when it has none
 * @param results - regex results computed ahead, if any
 */
export function matchesFilters(
  where: WhereNode | undefined,
  whereDocument: WhereDocumentNode | undefined,
  metadata: Metadata | null,
  document: string | null,
  results?: RegexResults,
): boolean {
  return (
    (where === undefined || matchesWhere(where, metadata, document, results)) &&
    (whereDocument === undefined || matchesWhereDocument(whereDocument, document, results))
  );
}

/**
 * The number of predicates (leaf comparisons, including `#document` ones) in a `where` filter;
 * `$and`/`$or` themselves do not count. The gateway compares it with `Limits.maxWherePredicates`.
 * @param node - the parsed filter
 */
export function countWherePredicates(node: WhereNode): number {
  return node.type === 'and' || node.type === 'or'
    ? node.children.reduce((sum, child) => sum + countWherePredicates(child), 0)
    : 1;
}

/**
 * The number of predicates in a `where_document` filter (its leaves).
 * @param node - the parsed filter
 */
export function countWhereDocumentPredicates(node: WhereDocumentNode): number {
  return node.type === 'and' || node.type === 'or'
    ? node.children.reduce((sum, child) => sum + countWhereDocumentPredicates(child), 0)
    : 1;
}

/**
 * The canonical JSON of a parsed `where` filter; {@link parseWhere} of it gives back an equal AST.
 * @param node - the parsed filter
 */
export function whereToJson(node: WhereNode): FilterJson {
  switch (node.type) {
    case 'and':
      return { $and: node.children.map(whereToJson) };
    case 'or':
      return { $or: node.children.map(whereToJson) };
    case 'document':
      return { [DOCUMENT_KEY]: { [node.op]: node.pattern } };
    case 'equality':
    case 'range':
    case 'contains':
      return { [node.key]: { [node.op]: node.value } };
    case 'set':
      return { [node.key]: { [node.op]: [...node.values] } };
  }
}

/**
 * The canonical JSON of a parsed `where_document` filter.
 * @param node - the parsed filter
 */
export function whereDocumentToJson(node: WhereDocumentNode): FilterJson {
  switch (node.type) {
    case 'and':
      return { $and: node.children.map(whereDocumentToJson) };
    case 'or':
      return { $or: node.children.map(whereDocumentToJson) };
    case 'document':
      return { [node.op]: node.pattern };
  }
}
