import { createMailer, type MailerOptions } from '@huedb/service';
import { createCatalogService, createControlService } from './catalog.server.js';
import type { CatalogService } from './catalog.service.js';
import type { ControlService } from './control/control.service.js';
import path from 'node:path';
import { loadMigrations, migrate, type Migration, type MigrationReport } from './sql/migrator.js';
import { PGliteSqlDriver } from './sql/pglite-sql-driver.js';
import { holdsDatabase, PGliteTemplate } from './sql/pglite-template.js';

/** Options of {@link openPGliteCatalog}. */
export interface PGliteCatalogOptions {
  /** Whether Reset may wipe the catalog (tests only). Default false. */
  allowReset?: boolean;
  /** A new database's initial contents instead of initdb's (see PGliteSqlDriverOptions). */
  loadDataDir?: Blob;
  /**
   * Where catalog images are kept (see PGliteTemplate): a new catalog starts from the image of
   * its migrations, made here first when there is none. Undefined: initdb and the migrations
   * run in the new directory itself.
   */
  templateDir?: string;
  /** Where the control plane's mails go (HUEDB_SMTP_URL, HUEDB_MAIL_FROM); none = no mail. */
  mail?: MailerOptions;
}

/** The catalog embedded in a process, on PGlite. */
export interface PGliteCatalog {
  /** The rules, to call in-process (createCatalogHandlers) or to serve (startCatalogServer). */
  service: CatalogService;
  /** The control plane on the same database (users, API keys, sessions, audit log). */
  control: ControlService;
  /** Its database (for inspection; {@link PGliteCatalog.close} closes it). */
  driver: PGliteSqlDriver;
  /** What opening did to the schema. */
  migrations: MigrationReport;
  /** Whether this open made the database (false: the directory held one already). */
  created: boolean;
  /** Shuts Postgres down cleanly once the calls in progress are done; call after the last one. */
  close(): Promise<void>;
}

/**
 * Opens single-node mode's catalog: PGlite in `dataDir` (created on first use; undefined = in
 * memory, for tests), its schema brought up to date — a directory written by an older HueDB is
 * migrated here, before any call sees the old schema — and the service on it.
 */
export async function openPGliteCatalog(
  dataDir: string | undefined,
  options: PGliteCatalogOptions = {},
): Promise<PGliteCatalog> {
  const available = await loadMigrations();
  const created = dataDir === undefined || !holdsDatabase(path.resolve(dataDir));
  let loadDataDir = options.loadDataDir;
  if (!loadDataDir && created && options.templateDir !== undefined) {
    loadDataDir = await catalogImage(options.templateDir, available);
  }
  const driver = await PGliteSqlDriver.open({
    ...(dataDir !== undefined && { dataDir }),
    ...(loadDataDir && { loadDataDir }),
  });
  try {
    const migrations = await migrate(driver, available);
    const service = createCatalogService(driver, { allowReset: options.allowReset ?? false });
    const mailer = options.mail && createMailer(options.mail);
    const control = createControlService(driver, { ...(mailer && { mailer }) });
    return {
      service,
      control,
      driver,
      migrations,
      created,
      close: async () => {
        mailer?.close();
        await driver.close();
      },
    };
  } catch (err) {
    await driver.close();
    throw err;
  }
}

/**
 * The catalog image for these migrations from `dir`, or, the first time, made in memory (initdb,
 * every migration, a dump: a few seconds, once per machine and HueDB version) and kept there. In
 * memory, not in the new directory: a dump of a directory would carry its lock and pid files.
 */
async function catalogImage(
  dir: string,
  migrations: readonly Migration[],
): Promise<Blob | undefined> {
  const template = PGliteTemplate.for(dir, migrations);
  if (!template) return undefined;
  const kept = await template.load();
  if (kept) return kept;
  const scratch = await PGliteSqlDriver.open();
  try {
    await migrate(scratch, migrations);
    const dump = await scratch.dump();
    await template.save(dump);
    return dump;
  } finally {
    await scratch.close();
  }
}
