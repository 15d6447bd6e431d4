import { InvalidArgumentError, UnprocessableEntityError } from './errors.js';

/**
 * Embedding codecs and checks. On the wire (Chroma's HTTP API) an embedding is either a JSON array
 * of numbers or — what the Python client sends once pre-flight says `supports_base64_encoding` —
 * a standard-alphabet, padded base64 string of the vector's little-endian float32 bytes (Python's
 * `struct.pack("<Nf")`, decoded by Chroma's server with base64's STANDARD engine and
 * `f32::from_le_bytes`). Between services (proto `bytes`) it is the same little-endian float32
 * bytes. Both directions are correct on any host byte order.
 */

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Which char codes are in base64's standard alphabet (A–Z, a–z, 0–9, +, /). */
const BASE64_ALPHABET = (() => {
  const table = new Uint8Array(128);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
})();

/**
 * Whether `text` is standard padded base64: what /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|
 * [A-Za-z0-9+/]{3}=)?$/ accepts, by one pass over the char codes (the regex took 40–60 µs per
 * 768-d vector, a third of an add's time in the gateway).
 */
function isPaddedBase64(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && text.charCodeAt(n - 1) === 61 /* = */)
    end = text.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE64_ALPHABET[c] !== 1) return false;
  }
  return true;
}

/**
 * The little-endian float32 bytes of a vector (for proto `bytes` fields): 4 × length bytes.
 * @param v - the vector
 */
export function embeddingToBytes(v: Float32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) {
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  }
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i]!, true);
  return out;
}

/**
 * The vector held by little-endian float32 bytes. Throws InvalidArgumentError when the length is
 * not a multiple of 4. Does not check that the values are finite (see {@link validateEmbedding}).
 * @param bytes - 4 × dimension bytes
 */
export function embeddingFromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) {
    throw new InvalidArgumentError(
      `Invalid byte length: ${bytes.length} bytes cannot be converted to f32 values (must be divisible by 4)`,
    );
  }
  const out = new Float32Array(bytes.length / 4);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/**
 * A vector as Chroma's base64 form: base64 (standard alphabet, padded) of its little-endian
 * float32 bytes.
 * @param v - the vector
 */
export function embeddingToBase64(v: Float32Array): string {
  return Buffer.from(embeddingToBytes(v)).toString('base64');
}

/**
 * Decodes Chroma's base64 form strictly (Node's own decoder skips invalid characters; Chroma's
 * rejects them). Throws InvalidArgumentError, worded like Chroma's server, for invalid base64, a
 * byte length that is not a multiple of 4, or a value that is not finite.
 * @param text - the base64 string
 */
export function embeddingFromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  // Fast path: a string that is its bytes' own (canonical) encoding is valid. Anything else —
  // invalid, or valid with non-zero padding bits, which Chroma's pattern also accepts — is
  // checked character by character.
  if (bytes.toString('base64') !== text && !isPaddedBase64(text)) {
    throw new InvalidArgumentError(
      'Base64 decoding error: Invalid base64 string: expected standard base64 with padding',
    );
  }
  let v: Float32Array;
  try {
    v = embeddingFromBytes(bytes);
  } catch (err) {
    throw new InvalidArgumentError(`Base64 decoding error: ${(err as Error).message}`);
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new InvalidArgumentError(
        `Base64 decoding error: Non-finite float value at embedding index ${i}: ${v[i]}`,
      );
    }
  }
  return v;
}

/**
 * Decodes one embedding from a request body: a JSON array of numbers or a base64 string (or a
 * Float32Array decoded from proto bytes, which is only checked).
 * Another JSON type is a schema mismatch (UnprocessableEntityError, 422); the values are rounded to
 * float32 and must then be finite (a number beyond float32's range becomes infinite and is
 * rejected with InvalidArgumentError), and there must be at least one.
 * @param value - the JSON value
 * @param index - its position in the batch, for messages
 */
export function decodeEmbedding(value: unknown, index = 0): Float32Array {
  let v: Float32Array;
  if (value instanceof Float32Array) {
    // Already decoded (from proto bytes): only the checks remain.
    v = value;
  } else if (typeof value === 'string') {
    v = embeddingFromBase64(value);
  } else if (Array.isArray(value)) {
    v = new Float32Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const x: unknown = value[i];
      if (typeof x !== 'number') {
        throw new UnprocessableEntityError(
          `Expected embedding at index ${index} to be a list of numbers, got ${typeof x} at position ${i}`,
        );
      }
      v[i] = x;
    }
  } else {
    throw new UnprocessableEntityError(
      `Expected embedding at index ${index} to be a list of numbers or a base64 string, got ${value === null ? 'null' : typeof value}`,
    );
  }
  validateEmbedding(v, index);
  return v;
}

/**
 * Checks one vector: at least one dimension, every value finite. Throws InvalidArgumentError.
 * @param v - the vector
 * @param index - its position in the batch, for messages
 */
export function validateEmbedding(v: Float32Array, index = 0): void {
  if (v.length === 0) {
    throw new InvalidArgumentError(
      `Expected embedding at index ${index} to have at least one dimension, got an empty embedding`,
    );
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new InvalidArgumentError(
        `Expected embedding at index ${index} to contain only finite float32 values, got ${v[i]} at position ${i}`,
      );
    }
  }
}

/**
 * Checks that the vectors of one batch share one dimension and that it is the collection's, and
 * returns it (null when the batch has no vector). Messages are Chroma's:
 * "Inconsistent dimensions in provided embeddings" and
 * "Collection expecting embedding with dimension of X, got Y" (both InvalidArgumentError).
 * @param embeddings - the batch's vectors; null entries (update: unchanged) are skipped
 * @param collectionDimension - the collection's dimension, null/undefined while it has none
 */
export function validateEmbeddingDimensions(
  embeddings: readonly (Float32Array | null)[],
  collectionDimension?: number | null,
): number | null {
  let dimension: number | null = null;
  for (const v of embeddings) {
    if (v === null) continue;
    if (dimension === null) dimension = v.length;
    else if (v.length !== dimension) {
      throw new InvalidArgumentError('Inconsistent dimensions in provided embeddings');
    }
  }
  if (dimension !== null && collectionDimension != null && dimension !== collectionDimension) {
    throw new InvalidArgumentError(
      `Collection expecting embedding with dimension of ${collectionDimension}, got ${dimension}`,
    );
  }
  return dimension;
}
