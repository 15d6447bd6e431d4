import { createMailer, type MailerOptions } from '@huedb/service';
import { createCatalogService, createControlService } from './catalog.server.js';
import type { CatalogService } from './catalog.service.js';
import type { ControlService } from './control/control.service.js';
import { loadMigrations, migrate, type MigrationReport } from './sql/migrator.js';
import { PGliteSqlDriver } from './sql/pglite-sql-driver.js';

/** Options of {@link openPGliteCatalog}. */
export interface PGliteCatalogOptions {
  /** Whether Reset may wipe the catalog (tests only). Default false. */
  allowReset?: boolean;
  /** A new database's initial contents instead of initdb's (see PGliteSqlDriverOptions). */
  loadDataDir?: Blob;
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
  const driver = await PGliteSqlDriver.open({
    ...(dataDir !== undefined && { dataDir }),
    ...(options.loadDataDir && { loadDataDir: options.loadDataDir }),
  });
  try {
    const migrations = await migrate(driver, await loadMigrations());
    const service = createCatalogService(driver, { allowReset: options.allowReset ?? false });
    const mailer = options.mail && createMailer(options.mail);
    const control = createControlService(driver, { ...(mailer && { mailer }) });
    return {
      service,
      control,
      driver,
      migrations,
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
