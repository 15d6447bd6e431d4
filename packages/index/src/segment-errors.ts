/**
 * A segment directory that cannot be opened: a file missing, cut short, of the wrong size or hash,
 * or not in the format. Its message names the directory and the file, so it is for logs, never for
 * clients (a query node answers Internal and drops the cached copy; the next request downloads the
 * version again).
 */
export class SegmentCorruptError extends Error {
  override readonly name = 'SegmentCorruptError';
}
