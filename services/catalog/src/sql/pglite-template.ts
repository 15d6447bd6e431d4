import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Migration } from './migrator.js';

/**
 * A catalog image: the tarball (PGlite's `dumpDataDir`) of a database that initdb and every
 * migration have just made, and nothing else. A new single-node data directory starts from it
 * (PGlite's `loadDataDir`: an untar and a Postgres start, well under a second) instead of
 * running initdb and the migrations in WASM (2–4 s on an idle core, 14–18 s under load).
 *
 * The first new catalog on a machine is made the slow way and dumped into `dir`; every later one
 * is copied from that. The file's name is a digest of the installed PGlite (its path names its
 * version) and of every migration's text, so an upgrade of either makes and uses a new image
 * and never starts a catalog at a schema its migrations do not describe. The image holds only
 * what the migrations write, which is the same on every machine (fixed ids, no secrets).
 */
export class PGliteTemplate {
  private constructor(readonly file: string) {}

  /**
   * The image for these migrations in `dir` (which need not exist yet); undefined when the
   * installed PGlite cannot be named (then no image could tell one version from another).
   */
  static for(dir: string, migrations: readonly Migration[]): PGliteTemplate | undefined {
    let pglite: string;
    try {
      pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    } catch {
      return undefined;
    }
    const digest = createHash('sha256');
    digest.update(pglite);
    for (const m of migrations) digest.update(`\0${m.version}\0${m.name}\0${m.sql}`);
    return new PGliteTemplate(
      path.join(dir, `pglite-catalog-${digest.digest('hex').slice(0, 16)}.tar`),
    );
  }

  /** The image, when one was made before; undefined otherwise (or when it cannot be read). */
  async load(): Promise<Blob | undefined> {
    if (!existsSync(this.file)) return undefined;
    try {
      return new Blob([await readFile(this.file)]);
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps `dump` as the image, unless one is there already. Written under a temporary name and
   * renamed, so a concurrent reader never sees half of one. Best effort: a cache that cannot be
   * written (read-only home) only costs later starts their speed-up.
   */
  async save(dump: Blob): Promise<void> {
    if (existsSync(this.file)) return;
    const partial = `${this.file}.${process.pid}.${Date.now()}`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
      await rename(partial, this.file);
    } catch {
      // Best effort (see above).
    } finally {
      await rm(partial, { force: true }).catch(() => undefined);
    }
  }
}

/** Whether `dir` holds a PGlite (Postgres) database already. */
export function holdsDatabase(dir: string): boolean {
  return existsSync(path.join(dir, 'PG_VERSION'));
}
