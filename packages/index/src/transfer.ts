import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '@huedb/storage';
import { MANIFEST_FILE, type SegmentManifest } from './segment.js';

/**
 * Uploads a built segment directory (its manifest is uploaded last and downloaded last, so a
 * manifest's presence means the version is complete) under `keyPrefix` (a NEW prefix per version: objects a reader
 * may use are never overwritten) and returns the manifest's key. Files first, manifest last.
 */
export async function uploadSegment(
  store: ObjectStore,
  dir: string,
  keyPrefix: string,
): Promise<string> {
  const manifest = JSON.parse(
    await readFile(path.join(dir, MANIFEST_FILE), 'utf8'),
  ) as SegmentManifest;
  await Promise.all(
    manifest.files.map((file) =>
      store.putFile(`${keyPrefix}/${file.name}`, path.join(dir, file.name), { ifNoneMatch: '*' }),
    ),
  );
  const manifestKey = `${keyPrefix}/${MANIFEST_FILE}`;
  await store.putFile(manifestKey, path.join(dir, MANIFEST_FILE), { ifNoneMatch: '*' });
  return manifestKey;
}

/** The key prefix (the version's "directory") of a manifest key. */
export function segmentPrefix(manifestKey: string): string {
  return manifestKey.slice(0, manifestKey.lastIndexOf('/'));
}

/**
 * Makes `localDir` hold the segment whose manifest is at `manifestKey`, downloading it when it is
 * not already there. Files land in a temporary sibling that is renamed into place only when
 * complete, so a crash mid-download never leaves a directory that looks finished.
 * Throws ObjectNotFoundError (from the store) when the version is gone.
 */
export async function downloadSegment(
  store: ObjectStore,
  manifestKey: string,
  localDir: string,
): Promise<void> {
  if (await exists(path.join(localDir, MANIFEST_FILE))) return;
  const manifestBytes = await store.get(manifestKey);
  const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as SegmentManifest;
  const tmp = `${localDir}.partial-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    const prefix = segmentPrefix(manifestKey);
    await Promise.all(
      manifest.files.map((file) =>
        store.getToFile(`${prefix}/${file.name}`, path.join(tmp, file.name)),
      ),
    );
    await mkdir(path.dirname(localDir), { recursive: true });
    await writeFile(path.join(tmp, MANIFEST_FILE), manifestBytes);
    await rename(tmp, localDir).catch(async (err: NodeJS.ErrnoException) => {
      // Another download of the same version won the race: theirs is complete, drop ours.
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST')
        await rm(tmp, { recursive: true, force: true });
      else throw err;
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
