import { open, readFile, readdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { WalCorruptionError, WalUnavailableError } from './errors.js';
import { syncDirectory } from '@huedb/dir-lock';
import {
  FRAME_MAGIC,
  decodeEntry,
  frameSize,
  readFrame,
  writeFrame,
  type EncodedEntry,
  type LocalEntry,
} from './local-frame.mapper.js';
import type { WalLogger } from './wal.js';

/** Options of {@link WalSegmentFiles.open}. */
export interface WalSegmentFilesOptions {
  /** The directory holding the segment files (must exist; the caller holds its lock). */
  dir: string;
  /** A file rolls over before a write would take it beyond this size. */
  segmentBytes: number;
  logger: WalLogger;
}

/** What recovery found. */
export interface RecoveryReport {
  segments: number;
  entries: number;
  /** Bytes of valid entries read. */
  bytes: number;
  /** Bytes of a torn tail cut off the last file (0 when it ended cleanly). */
  tornBytes: number;
}

/** What recovery tells its caller, in this order. */
export interface RecoveryHandler {
  /** The position of the first entry stored (the first file's start). Called once, first. */
  start(logStart: bigint): void;
  /** Every entry found, in position order. */
  entry(position: bigint, appendedAtMs: number, entry: LocalEntry): void;
}

interface SegmentFile {
  /** The position of its first entry (also its name). */
  readonly base: bigint;
  readonly path: string;
}

const SEGMENT_NAME = /^(\d{20})\.wal$/;
const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32BE(FRAME_MAGIC);

/** The file name of the segment whose first entry is at `base`: 20 digits, like Kafka's. */
export function segmentFileName(base: bigint): string {
  return `${base.toString().padStart(20, '0')}.wal`;
}

/**
 * The local WAL's append-only segment files: `<dir>/<first position, 20 digits>.wal`, each a
 * sequence of frames (local-frame.mapper.ts) with consecutive positions; the next file starts
 * where the previous one ends. Only the last file is written; every write is one group of frames
 * followed by fdatasync, and the next write starts only after that returned, so at any time at most
 * ONE write — the last — can be incomplete on disk.
 *
 * Recovery reads every file in order. Damage in the last file is a torn write — cut off, because
 * its entries were never acknowledged — when no intact frame of a LATER write follows it; frames
 * of the same write may (a crash can persist the pages of one write in any order), and each frame
 * records where its write began. Anything else (damage in an earlier file, damage followed by a
 * later write, a missing file, a gap in positions, an undecodable entry under a valid checksum)
 * fails with WalCorruptionError: acknowledged data must never be dropped silently.
 */
export class WalSegmentFiles {
  readonly #options: WalSegmentFilesOptions;
  /** Ascending; the last is the active file. */
  readonly #segments: SegmentFile[];
  #active: FileHandle;
  /** Bytes of the active file. */
  #size: number;
  #next: bigint;
  /** Set when a failed write could not be undone: the file's end is unknown until recovery. */
  #broken: Error | undefined;

  private constructor(
    options: WalSegmentFilesOptions,
    segments: SegmentFile[],
    active: FileHandle,
    size: number,
    next: bigint,
  ) {
    this.#options = options;
    this.#segments = segments;
    this.#active = active;
    this.#size = size;
    this.#next = next;
  }

  /**
   * Recovers the log in `options.dir`: reports every entry to `recovery` in position order, cuts a
   * torn tail off the last file, and opens that file for appending. An empty directory becomes an
   * empty log starting at position 0. Rejects with WalCorruptionError when the files are damaged
   * anywhere but in their last write.
   */
  static async open(
    options: WalSegmentFilesOptions,
    recovery: RecoveryHandler,
  ): Promise<{ files: WalSegmentFiles; report: RecoveryReport }> {
    const { dir } = options;
    const segments = (await readdir(dir))
      .flatMap((name) => {
        const match = SEGMENT_NAME.exec(name);
        return match ? [{ base: BigInt(match[1]!), path: path.join(dir, name) }] : [];
      })
      .sort((a, b) => (a.base < b.base ? -1 : 1));
    const report: RecoveryReport = {
      segments: segments.length,
      entries: 0,
      bytes: 0,
      tornBytes: 0,
    };
    if (segments.length === 0) {
      const first = { base: 0n, path: path.join(dir, segmentFileName(0n)) };
      const handle = await open(first.path, 'wx');
      await syncDirectory(dir);
      report.segments = 1;
      recovery.start(0n);
      return { files: new WalSegmentFiles(options, [first], handle, 0, 0n), report };
    }

    let expected = segments[0]!.base;
    recovery.start(expected);
    let validBytes = 0;
    for (const [i, segment] of segments.entries()) {
      const last = i === segments.length - 1;
      if (segment.base !== expected) {
        throw new WalCorruptionError(
          `${segment.path} starts at position ${segment.base}, but the previous file ends before ` +
            `${expected}: a segment file is missing or was modified`,
          segment.path,
          0,
        );
      }
      const buf = await readFile(segment.path);
      let offset = 0;
      while (offset < buf.length) {
        const read = readFrame(buf, offset);
        if (read.damage) {
          const what = `${segment.path} is damaged at offset ${offset} (${read.damage})`;
          if (!last) {
            throw new WalCorruptionError(
              `${what}, and it is not the last file`,
              segment.path,
              offset,
            );
          }
          if (read.damage === 'unknown kind') {
            throw new WalCorruptionError(
              `${what}: an entry of a kind this version does not know, under a valid checksum`,
              segment.path,
              offset,
            );
          }
          assertTornWrite(buf, offset, what, segment.path);
          report.tornBytes = buf.length - offset;
          break;
        }
        const { frame } = read;
        if (frame.position !== expected) {
          throw new WalCorruptionError(
            `${segment.path}: the entry at offset ${offset} has position ${frame.position}, ` +
              `expected ${expected}`,
            segment.path,
            offset,
          );
        }
        let entry: LocalEntry;
        try {
          // Copy the payload: decoded records are views into it, and must not keep the whole
          // file's buffer alive.
          entry = decodeEntry(frame.kind, new Uint8Array(frame.payload));
        } catch (err) {
          throw new WalCorruptionError(
            `${segment.path}: the entry at offset ${offset} (position ${frame.position}) has a ` +
              `valid checksum but cannot be decoded: ${describe(err)}`,
            segment.path,
            offset,
          );
        }
        recovery.entry(frame.position, frame.appendedAtMs, entry);
        report.entries++;
        report.bytes += frame.size;
        expected++;
        offset += frame.size;
      }
      validBytes = offset;
    }

    const lastSegment = segments.at(-1)!;
    const handle = await open(lastSegment.path, 'r+');
    try {
      if (report.tornBytes > 0) {
        await handle.truncate(validBytes);
        await handle.datasync();
        options.logger.warn(
          `${lastSegment.path}: cut off a torn write of ${report.tornBytes} bytes after offset ` +
            `${validBytes} (entries from position ${expected} on were never acknowledged)`,
        );
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return {
      files: new WalSegmentFiles(options, segments, handle, validBytes, expected),
      report,
    };
  }

  /** The position of the oldest entry still stored (everything below was truncated). */
  get logStart(): bigint {
    return this.#segments[0]!.base;
  }

  /** The position the next entry gets. */
  get nextPosition(): bigint {
    return this.#next;
  }

  /** The files, oldest first (for tests and operators). */
  get paths(): string[] {
    return this.#segments.map((s) => s.path);
  }

  /**
   * How many bytes a write starting with a frame of `firstFrameBytes` may hold without taking its
   * file beyond `segmentBytes` (after rolling over if that frame does not fit the active file).
   */
  writeBudget(firstFrameBytes: number): number {
    const room = this.#options.segmentBytes - this.#size;
    return this.#size > 0 && firstFrameBytes > room ? this.#options.segmentBytes : room;
  }

  /**
   * Writes `entries` as one group at consecutive positions, fdatasyncs, and returns the first
   * position. Rolls over to a new file first when the group would take the active file beyond
   * `segmentBytes` (a group larger than that goes alone into a file of its own).
   *
   * On failure it rejects with WalUnavailableError: `written: false` when the write was undone
   * (the file cut back to where the group began, and synced) — the positions are reused;
   * otherwise the outcome is unknown and every later write is refused until the log is reopened,
   * whose recovery decides what reached the disk.
   */
  async append(entries: readonly EncodedEntry[], appendedAtMs: number): Promise<bigint> {
    if (this.#broken) {
      throw new WalUnavailableError(
        `the write-ahead log in ${this.#options.dir} failed earlier and could not undo a write; ` +
          `reopen it to recover`,
        { cause: this.#broken },
        false,
      );
    }
    const total = entries.reduce((sum, entry) => sum + frameSize(entry), 0);
    if (this.#size > 0 && this.#size + total > this.#options.segmentBytes) await this.rollOver();
    const buf = Buffer.allocUnsafe(total);
    let offset = 0;
    let position = this.#next;
    for (const entry of entries) {
      offset = writeFrame(buf, offset, entry, position++, appendedAtMs, offset);
    }
    const start = this.#size;
    try {
      await writeAll(this.#active, buf, start);
      // fdatasync also persists the file size; the file's directory entry was synced when the
      // file was created.
      await this.#active.datasync();
    } catch (err) {
      await this.#undo(start, err);
    }
    this.#size += total;
    const first = this.#next;
    this.#next = position;
    return first;
  }

  /**
   * Deletes whole files below `target`: those whose successor starts at or below it (so every
   * entry they hold is below it). Never deletes the active file. Deletes oldest first and syncs the
   * directory after each, so a crash leaves a suffix of the files, never a gap. Returns the number
   * of files deleted.
   */
  async deleteBelow(target: bigint): Promise<number> {
    let deleted = 0;
    while (this.#segments.length > 1 && this.#segments[1]!.base <= target) {
      const oldest = this.#segments[0]!;
      await unlink(oldest.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.#segments.shift();
      await syncDirectory(this.#options.dir);
      deleted++;
    }
    return deleted;
  }

  /** The position of the active file's first entry. */
  get activeBase(): bigint {
    return this.#segments[this.#segments.length - 1]!.base;
  }

  /** Bytes in the active file. */
  get activeBytes(): number {
    return this.#size;
  }

  /**
   * Starts a new active file at the next position (nothing when the active file is empty): what
   * append does when a file is full, and what the log does early once compaction has passed part
   * of the active file, so that the file can be deleted and a restart need not read it. Call only
   * between appends, never during one.
   */
  async rollOver(): Promise<void> {
    if (this.#size === 0) return;
    try {
      await this.#roll();
    } catch (err) {
      // The new file may exist on disk even though it is not in use: appending more to the
      // active file would then contradict its name (its base position). Recovery sorts it out.
      this.#broken = err as Error;
      throw new WalUnavailableError(
        `starting a new segment file in ${this.#options.dir} failed: ${describe(err)}`,
        { cause: err },
        false,
      );
    }
  }

  /** Closes the active file. */
  async close(): Promise<void> {
    await this.#active.close();
  }

  /** Starts a new file at the next position. The active file is fully synced already. */
  async #roll(): Promise<void> {
    const base = this.#next;
    const file = { base, path: path.join(this.#options.dir, segmentFileName(base)) };
    const handle = await open(file.path, 'wx');
    try {
      // The new file's directory entry must be durable before anything in it is acknowledged.
      await syncDirectory(this.#options.dir);
    } catch (err) {
      await handle.close();
      throw err;
    }
    const previous = this.#active;
    this.#segments.push(file);
    this.#active = handle;
    this.#size = 0;
    await previous.close().catch((err: unknown) => {
      this.#options.logger.warn(`closing a full segment file in ${this.#options.dir} failed`, err);
    });
  }

  /** A write or sync failed: cut the file back to `start` so the group is certainly not there. */
  async #undo(start: number, err: unknown): Promise<never> {
    try {
      await this.#active.truncate(start);
      await this.#active.datasync();
    } catch (undoErr) {
      this.#broken = err as Error;
      this.#options.logger.warn(`could not undo a failed write to ${this.#options.dir}`, undoErr);
      throw new WalUnavailableError(
        `writing to the write-ahead log in ${this.#options.dir} failed (${describe(err)}) and ` +
          `could not be undone; reopen it to recover`,
        { cause: err },
      );
    }
    throw new WalUnavailableError(
      `writing to the write-ahead log in ${this.#options.dir} failed: ${describe(err)}; ` +
        `nothing was written`,
      { cause: err },
      false,
    );
  }
}

/**
 * Throws WalCorruptionError unless the damage at `damagedAt` can be a torn last write: no intact
 * frame after it may belong to a later write (one whose group began after the damage). Frames of
 * the damaged write itself may follow — a crash can persist its pages in any order — and are cut
 * off with it: that write was never acknowledged.
 */
function assertTornWrite(buf: Buffer, damagedAt: number, what: string, file: string): void {
  for (
    let at = buf.indexOf(MAGIC_BYTES, damagedAt + 1);
    at !== -1;
    at = buf.indexOf(MAGIC_BYTES, at + 1)
  ) {
    const { frame } = readFrame(buf, at);
    if (!frame) continue;
    if (at - frame.groupOffset > damagedAt) {
      throw new WalCorruptionError(
        `${what}, but an intact entry written later (position ${frame.position}, offset ${at}) ` +
          `follows it: acknowledged data is damaged`,
        file,
        damagedAt,
      );
    }
  }
}

async function writeAll(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
