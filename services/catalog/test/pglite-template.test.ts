import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGliteCatalog } from '../src/catalog.embedded.js';
import { loadMigrations } from '../src/sql/migrator.js';

/** A new single-node catalog copied from the catalog image: the same schema as initdb + migrations. */
describe('PGlite catalog image', () => {
  const dirs: string[] = [];
  const scratch = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'huedb-catalog-image-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('is made once, then every new catalog starts from it at the latest schema', async () => {
    const images = await scratch();
    const versions = (await loadMigrations()).map((m) => m.version);
    const schemaOf = async (dir: string) => {
      const catalog = await openPGliteCatalog(dir, { templateDir: images });
      try {
        const rows = await catalog.driver.query<{ version: number }>(
          'SELECT version FROM huedb_schema_migrations ORDER BY version',
        );
        const databases = await catalog.driver.query<{ name: string }>(
          'SELECT name FROM databases',
        );
        return {
          created: catalog.created,
          applied: catalog.migrations.applied,
          recorded: rows.map((r) => Number(r.version)),
          databases: databases.map((d) => d.name),
        };
      } finally {
        await catalog.close();
      }
    };
    const first = await scratch();
    // The first new catalog makes the image and starts from it: nothing left to migrate.
    expect(await schemaOf(first)).toEqual({
      created: true,
      applied: [],
      recorded: versions,
      databases: ['default_database'],
    });
    const made = await readdir(images);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^pglite-catalog-[0-9a-f]{16}\.tar$/);
    // A second new directory copies the same image; reopening one is not a creation.
    expect((await schemaOf(await scratch())).recorded).toEqual(versions);
    expect(await schemaOf(first)).toMatchObject({ created: false, applied: [] });
    expect(await readdir(images)).toEqual(made);
  });
});
