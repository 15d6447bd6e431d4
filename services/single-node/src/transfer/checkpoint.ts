import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { TransferError } from './transfer-error.js';

/**
 * The checkpoint of a copy: per collection, which source and target collections it pairs and how
 * many source records (in the source's order) are in the target already. Saved after every
 * batch by write-then-rename, so a copy killed at any point leaves the last complete state; the
 * batch in flight when it died is written again on resume, which upsert makes harmless.
 */

/** A side of the copy, as the checkpoint names it. */
export interface CheckpointSide {
  url: string;
  tenant: string;
  database: string;
}

export interface CollectionProgress {
  name: string;
  sourceId: string;
  targetId: string;
  /** Source records [0, copied) are in the target. */
  copied: number;
  done: boolean;
}

interface CheckpointFile {
  format: 'huedb-copy-checkpoint/1';
  source: CheckpointSide;
  target: CheckpointSide;
  collections: CollectionProgress[];
}

/** The default checkpoint file for a copy between two databases: one file per pair. */
export function defaultCheckpointPath(source: CheckpointSide, target: CheckpointSide): string {
  const key = [source, target].map((s) => `${s.url.replace(/\/+$/, '')}|${s.tenant}|${s.database}`);
  const hash = createHash('sha256').update(key.join('→')).digest('hex').slice(0, 10);
  return `huedb-copy-${hash}.checkpoint.json`;
}

export class CopyCheckpoint {
  // A Map: collection names are user input (`__proto__` is a valid one).
  private readonly entries = new Map<string, CollectionProgress>();

  private constructor(
    readonly path: string,
    private readonly source: CheckpointSide,
    private readonly target: CheckpointSide,
  ) {}

  /** The checkpoint at `path`, or a new one; refuses one that belongs to another copy. */
  static async open(
    path: string,
    source: CheckpointSide,
    target: CheckpointSide,
  ): Promise<{ checkpoint: CopyCheckpoint; resumed: boolean }> {
    const checkpoint = new CopyCheckpoint(path, source, target);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoint, resumed: false };
      throw new TransferError(`cannot read the checkpoint ${path}: ${(err as Error).message}`);
    }
    let file: CheckpointFile;
    try {
      file = JSON.parse(text) as CheckpointFile;
      if (file.format !== 'huedb-copy-checkpoint/1') throw new Error('not a copy checkpoint');
    } catch {
      throw new TransferError(
        `${path} is not a huedb copy checkpoint: delete it or pass --checkpoint`,
      );
    }
    const same = (a: CheckpointSide, b: CheckpointSide) =>
      a.url.replace(/\/+$/, '') === b.url.replace(/\/+$/, '') &&
      a.tenant === b.tenant &&
      a.database === b.database;
    if (!same(file.source, source) || !same(file.target, target)) {
      throw new TransferError(
        `${path} is the checkpoint of a copy from ${describe(file.source)} to ${describe(file.target)}: pass another --checkpoint`,
      );
    }
    for (const entry of file.collections) checkpoint.entries.set(entry.name, entry);
    return { checkpoint, resumed: true };
  }

  get(name: string): CollectionProgress | undefined {
    return this.entries.get(name);
  }

  /** Records a collection's progress and saves the whole checkpoint. */
  async update(entry: CollectionProgress): Promise<void> {
    this.entries.set(entry.name, { ...entry });
    await this.save();
  }

  private async save(): Promise<void> {
    const file: CheckpointFile = {
      format: 'huedb-copy-checkpoint/1',
      source: this.source,
      target: this.target,
      collections: [...this.entries.values()],
    };
    const partial = `${this.path}.partial`;
    try {
      await writeFile(partial, `${JSON.stringify(file, null, 2)}\n`);
      await rename(partial, this.path);
    } catch (err) {
      throw new TransferError(
        `cannot write the checkpoint ${this.path}: ${(err as Error).message}`,
      );
    }
  }
}

function describe(side: CheckpointSide): string {
  return `${side.url} (${side.tenant}/${side.database})`;
}
