import type { ChromaEndpoint, CollectionInfo } from './chroma-endpoint.js';
import { CopyCheckpoint, type CollectionProgress } from './checkpoint.js';
import {
  checkCount,
  openTarget,
  rateText,
  readPages,
  specOf,
  writeBatchSize,
  type IfExists,
} from './collection-io.js';
import type { ProgressReporter } from './progress.js';
import { TransferError } from './transfer-error.js';

/**
 * `huedb copy`: collections from one Chroma-API server to another, HueDB or Chroma either way.
 *
 *   source: get [offset, offset+batch) ─▶ target: upsert ─▶ checkpoint: copied = offset+batch
 *          (the next page is read while this one is written)
 *
 * Pages are read by offset in the source's order (insertion order on Chroma and HueDB), so a
 * checkpoint is one number per collection and a resumed copy reads on from it. That assumes the
 * source does not change during the copy; the count check at the end says when it did.
 */

export interface CopyOptions {
  source: ChromaEndpoint;
  target: ChromaEndpoint;
  /** Names to copy; undefined: every collection of the source database. */
  collections?: string[];
  batchSize: number;
  checkpointPath: string;
  ifExists: IfExists;
  progress: ProgressReporter;
  /** Where the one-line outcome of each collection goes. */
  report: (line: string) => void;
}

export interface CollectionCopied {
  name: string;
  /** Records written by this run (not counting what an earlier run copied). */
  records: number;
  /** Records an earlier run had copied already. */
  resumedFrom: number;
  ms: number;
}

export async function copyCollections(options: CopyOptions): Promise<CollectionCopied[]> {
  const { source, target, report } = options;
  const { checkpoint, resumed } = await CopyCheckpoint.open(
    options.checkpointPath,
    sideOf(source),
    sideOf(target),
  );
  if (resumed) report(`resuming from the checkpoint ${options.checkpointPath}`);
  const collections = await sourceCollections(source, options.collections);
  const limits = await target.writeLimits();
  await target.ensureDatabase();
  const batchSize = writeBatchSize(options.batchSize, limits.maxBatchSize);
  const results: CollectionCopied[] = [];
  try {
    for (const collection of collections) {
      const result = await copyOne(collection, { ...options, checkpoint, batchSize, limits });
      if (result) results.push(result);
    }
  } finally {
    options.progress.close();
  }
  return results;
}

async function copyOne(
  collection: CollectionInfo,
  options: CopyOptions & {
    checkpoint: CopyCheckpoint;
    batchSize: number;
    limits: Awaited<ReturnType<ChromaEndpoint['writeLimits']>>;
  },
): Promise<CollectionCopied | undefined> {
  const { source, target, checkpoint, report } = options;
  const name = collection.name;
  let entry = checkpoint.get(name);
  if (entry && entry.sourceId !== collection.id) {
    throw new TransferError(
      `the checkpoint ${checkpoint.path} is of another collection "${name}" (the source's was made anew since): delete the checkpoint to copy it again`,
    );
  }
  if (entry?.done) {
    report(
      `"${name}" was copied already (${entry.copied.toLocaleString('en-US')} records; delete ${checkpoint.path} to copy again)`,
    );
    return undefined;
  }
  let created: boolean;
  let targetCollection: CollectionInfo;
  if (entry) {
    const existing = await target.getCollection(name);
    if (!existing || existing.id !== entry.targetId) {
      throw new TransferError(
        `the checkpoint ${checkpoint.path} resumes "${name}" into a collection the ${target.label} no longer has: delete the checkpoint to copy it again`,
      );
    }
    // The checkpoint is written right after the copy made its collection: an entry means made here.
    created = true;
    targetCollection = existing;
  } else {
    ({ collection: targetCollection, created } = await openTarget(
      target,
      specOf(collection),
      options.ifExists,
    ));
    entry = {
      name,
      sourceId: collection.id,
      targetId: targetCollection.id,
      copied: 0,
      done: false,
    };
    await checkpoint.update(entry);
  }
  const progress: CollectionProgress = { ...entry };
  const resumedFrom = progress.copied;
  const total = await source.count(collection.id);
  const task = options.progress.task(name, total, resumedFrom);
  const started = performance.now();
  for await (const batch of readPages(source, collection.id, resumedFrom, options.batchSize)) {
    await target.upsert(targetCollection.id, batch, options.limits);
    progress.copied += batch.ids.length;
    await checkpoint.update(progress);
    task.advance(batch.ids.length);
  }
  task.done();
  const ms = performance.now() - started;
  if (created) await checkCount(target, targetCollection, progress.copied);
  progress.done = true;
  await checkpoint.update(progress);
  const records = progress.copied - resumedFrom;
  const resumedText =
    resumedFrom > 0 ? ` (resumed after ${resumedFrom.toLocaleString('en-US')})` : '';
  report(`copied "${name}": ${rateText(records, ms)}${resumedText}`);
  return { name, records, resumedFrom, ms };
}

/** The source collections to copy, each checked to exist. */
async function sourceCollections(
  source: ChromaEndpoint,
  names: string[] | undefined,
): Promise<CollectionInfo[]> {
  if (!names) return source.listCollections();
  const found: CollectionInfo[] = [];
  for (const name of names) {
    const collection = await source.getCollection(name);
    if (!collection) throw new TransferError(`the ${source.label} has no collection "${name}"`);
    found.push(collection);
  }
  return found;
}

function sideOf(endpoint: ChromaEndpoint) {
  const { url, tenant, database } = endpoint.options;
  return { url, tenant, database };
}
