import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

let templateFile: Promise<string> | undefined;

/**
 * The path of a tarball of a freshly initdb'd PGlite database, for PGliteSqlDriver's
 * `loadDataDir`: a test starts from it in well under a second instead of running initdb (~4 s).
 * Built once and cached in the temp directory, keyed by the installed PGlite (its path names its
 * version), so parallel test files and later runs share it; written under a temporary name and
 * renamed, so never seen half-done.
 */
export function pgliteTemplateFile(): Promise<string> {
  templateFile ??= findOrBuildTemplate();
  return templateFile;
}

/** The template of {@link pgliteTemplateFile}, loaded. */
export async function pgliteTemplate(): Promise<Blob> {
  return new Blob([await readFile(await pgliteTemplateFile())]);
}

async function findOrBuildTemplate(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  const file = path.join(tmpdir(), `huedb-pglite-initdb-${key}.tar`);
  if (
    await stat(file).then(
      (s) => s.isFile(),
      () => false,
    )
  ) {
    return file;
  }
  const db = new PGlite();
  try {
    await db.waitReady;
    // A checkpoint first, so that a database started from the copy has no WAL to replay.
    await db.exec('CHECKPOINT');
    const dump = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
    const partial = `${file}.${process.pid}.${Date.now()}`;
    try {
      await writeFile(partial, dump);
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    return file;
  } finally {
    await db.close();
  }
}
