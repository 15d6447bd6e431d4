import { InvalidKeyError } from './object-store.js';

/** S3's limit on a key's UTF-8 length (the S3 store's own prefix counts towards it). */
export const MAX_KEY_BYTES = 1024;

/**
 * Checks a key and returns it. A key is a `/`-separated relative path of non-empty segments,
 * none of them `.` or `..` (not even padded with whitespace: MinIO trims segments before checking),
 * without NUL or `\` characters (MinIO treats `\` as a separator too), at most
 * {@link MAX_KEY_BYTES} bytes of UTF-8.
 *
 * Both stores apply the same rules so that a key valid on one is valid on the other. The
 * filesystem store maps a key to a path below its root; these rules are what keeps that path
 * below the root (no `..`, no absolute path) and one-to-one with the key (no `a//b` or `a/./b`
 * that the filesystem would read as `a/b`, no trailing `/` that would name a directory).
 *
 * @throws InvalidKeyError
 */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(key, 'empty key');
  if (key.endsWith('/')) throw new InvalidKeyError(key, 'a key must not end with "/"');
  checkSegments(key, key.split('/'));
  return key;
}

/**
 * Checks a list/deletePrefix prefix and returns it. A prefix is a string prefix of keys: every
 * complete segment (each one followed by `/`) follows the key rules; the last, partial segment
 * may be empty and may be the start of a segment (`a/.h` matches `a/.hidden`), but not `.` or
 * `..` (MinIO refuses such prefixes). `''` is allowed.
 *
 * @throws InvalidKeyError
 */
export function validatePrefix(prefix: string): string {
  if (typeof prefix !== 'string') throw new InvalidKeyError(String(prefix), 'not a string');
  if (prefix.length === 0) return prefix;
  const segments = prefix.split('/');
  const partial = segments.pop()!; // '' when the prefix ends with '/'
  if (partial !== '') segments.push(partial);
  checkSegments(prefix, segments);
  return prefix;
}

function checkSegments(key: string, segments: string[]): void {
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'a key must not start with "/"');
  for (const segment of segments) {
    if (segment === '') throw new InvalidKeyError(key, 'empty segment ("//")');
    const trimmed = segment.trim();
    if (trimmed === '.' || trimmed === '..') {
      throw new InvalidKeyError(key, `"${segment}" segment`);
    }
  }
  if (key.includes('\0')) throw new InvalidKeyError(key, 'NUL character');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'backslash');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new InvalidKeyError(key, `longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
}

/**
 * Orders keys by their UTF-8 bytes, as S3 lists them. (JavaScript's default string order compares
 * UTF-16 code units, which disagrees for characters above U+FFFF against U+E000–U+FFFF.)
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
