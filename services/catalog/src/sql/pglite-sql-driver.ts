import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { DirectoryLock, type LockRefusal } from '@huedb/dir-lock';
import pg from 'pg';
import type { SqlDriver, SqlExecutor, SqlParam } from './sql-driver.js';

/** Options of {@link PGliteSqlDriver.open}. */
export interface PGliteSqlDriverOptions {
  /**
   * The directory holding the database: created (with its parents) and initialized on first
   * open, reused afterwards. Undefined: in memory, gone when the driver closes (tests).
   */
  dataDir?: string;
  /**
   * Start a NEW database from this tarball (PGlite's `dumpDataDir`) instead of running initdb,
   * which takes seconds; tests use it. Opening fails when `dataDir` already holds a database.
   */
  loadDataDir?: Blob;
}

/**
 * Marks the driver calls made from inside one of its own transactions' callbacks, which would
 * otherwise wait forever for that transaction (see {@link PGliteSqlDriver.transaction}).
 */
interface TransactionScope {
  open: boolean;
}

/** The lock file {@link PGliteSqlDriver.open} keeps in a data directory while it is open. */
export const PGLITE_LOCK_FILE = 'huedb-catalog.lock';

/**
 * {@link SqlDriver} on PGlite (Postgres 18 compiled to WASM, in-process): single-node mode's
 * catalog, persistent in a directory or in memory.
 *
 * PGlite is ONE connection, so this driver emulates a pool of one: every query, script and
 * transaction is a job in one FIFO queue, and a job starts only when the previous one settled.
 * A transaction is a single job from BEGIN to COMMIT/ROLLBACK, so other callers wait for it and
 * never see, or interleave statements with, its uncommitted work — what a `pg` pool gives by
 * handing each caller its own connection. Concurrency invariants that the pg driver gets from
 * row locks (compare-and-swap, FOR UPDATE) hold here because nothing runs concurrently at all.
 *
 * Types behave as with `pg`: parameters go to Postgres as text, converted the way `pg` does
 * (PGlite's own serializers would, e.g., reject a string for a bytea or boolean), and result
 * columns are parsed with `pg`'s type parsers, so int8 and numeric arrive as strings, not as
 * PGlite's number/bigint. Errors are Postgres's, with the SQLSTATE in `code`.
 */
export class PGliteSqlDriver implements SqlDriver {
  /** The end of the queue: settles when the last job enqueued has settled. */
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly scope = new AsyncLocalStorage<TransactionScope>();

  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => Promise<void>,
  ) {}

  /**
   * Opens (creating or initializing if needed) the database and resolves once it is ready to
   * serve, which on a new directory means running initdb (seconds). Rejects when another open
   * driver, in this process or a live other one, holds the directory.
   */
  static async open(options: PGliteSqlDriverOptions = {}): Promise<PGliteSqlDriver> {
    const dir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
    let unlock = () => Promise.resolve();
    if (dir !== undefined) {
      await mkdir(dir, { recursive: true });
      unlock = await lockDataDir(dir);
    }
    let db: PGlite | undefined;
    try {
      // An absolute path has none of the scheme prefixes (memory://, idb://, ...) PGlite reads.
      db = new PGlite({
        dataDir: dir ?? 'memory://',
        ...(options.loadDataDir && { loadDataDir: options.loadDataDir }),
      });
      await db.waitReady;
      await usePgTypes(db);
      return new PGliteSqlDriver(db, unlock);
    } catch (err) {
      // Shut down whatever started before releasing the directory to the next opener. (When
      // startup itself failed, close fails too, with the same error.)
      await db?.close().catch(() => undefined);
      await unlock();
      throw err;
    }
  }

  query<R extends object = Record<string, unknown>>(
    sql: string,
    params: readonly SqlParam[] = [],
  ): Promise<R[]> {
    return this.enqueue(async () => (await this.db.query<R>(sql, params.map(toText))).rows);
  }

  exec(script: string): Promise<void> {
    return this.enqueue(async () => {
      await this.db.exec(script);
    });
  }

  /**
   * Runs `fn` in a transaction that holds the database alone until it commits or rolls back.
   * Calling the driver (rather than `tx`) from inside `fn` would wait for `fn` itself, so such a
   * call fails at once instead of hanging. A commit that Postgres turns into a rollback (a
   * statement failed and `fn` swallowed the error) rejects with SQLSTATE 25P02.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.enqueue(() =>
      this.db.transaction(async (tx) => {
        const scope: TransactionScope = { open: true };
        try {
          return await this.scope.run(scope, () => fn(transactionExecutor(tx)));
        } finally {
          // Work that `fn` started but did not await may call the driver later; from then on
          // that is an ordinary caller, not a deadlock.
          scope.open = false;
        }
      }),
    );
  }

  /**
   * Lets the calls already made finish, then shuts Postgres down (a clean shutdown: the next
   * open needs no recovery) and releases the directory. Calls made after this reject.
   */
  /**
   * A tarball of the database as it is now (PGlite's `dumpDataDir`, after a checkpoint so that a
   * database started from it has no WAL to replay): what `loadDataDir` starts a new one from.
   */
  dump(): Promise<Blob> {
    return this.enqueue(async () => {
      await this.db.exec('CHECKPOINT');
      return this.db.dumpDataDir('none');
    });
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      const inTransaction = this.ownTransactionError();
      if (inTransaction) return Promise.reject(inTransaction);
      const drained = this.tail;
      this.closing = (async () => {
        await drained;
        try {
          await this.db.close();
        } finally {
          await this.unlock();
        }
      })();
    }
    return this.closing;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const refused =
      this.ownTransactionError() ??
      (this.closing === undefined ? undefined : new Error('the PGlite catalog driver is closed'));
    if (refused) return Promise.reject(refused);
    const result = this.tail.then(job);
    // The next job waits for this one to settle, whichever way.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private ownTransactionError(): Error | undefined {
    if (!this.scope.getStore()?.open) return undefined;
    return new Error(
      'the PGlite catalog driver was called from inside one of its own transactions: use the ' +
        "transaction's executor (one connection: the call would wait for the transaction forever)",
    );
  }
}

function transactionExecutor(tx: Transaction): SqlExecutor {
  return {
    async query<R extends object>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
      return (await tx.query<R>(sql, params.map(toText))).rows;
    },
    async exec(script: string): Promise<void> {
      await tx.exec(script);
    },
  };
}

/**
 * A parameter as `pg` sends it: as text (`String(value)`, so `true` is "true"), or NULL. Postgres
 * then parses it for the parameter's type, exactly as it does for `pg`.
 */
function toText(value: SqlParam): string | null {
  // undefined is not a SqlParam, but pg sends it as NULL, so do the same for untyped callers.
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint': // not a SqlParam either; pg sends its decimal text
      return String(value);
    default:
      throw new TypeError(`unsupported SQL parameter of type ${typeof value}`);
  }
}

const passText = (value: unknown): string => value as string;

/** pg's parser of a type's text form (pg-types declares it as `any`). */
const pgParser = (oid: number) => pg.types.getTypeParser(oid, 'text') as (text: string) => unknown;

/**
 * Makes PGlite convert values the way `pg` does. Parameters arrive as text already (see
 * {@link toText}), so every serializer PGlite has passes them through. Every built-in type's
 * parser becomes `pg`'s, looked up per value so that a `pg.types.setTypeParser` applies to both
 * drivers alike; types created later have no parser in either (their text is returned as is).
 */
async function usePgTypes(db: PGlite): Promise<void> {
  for (const key of Object.keys(db.serializers)) db.serializers[key] = passText;
  // Below 16384 (FirstNormalObjectId) are the built-in types, the only ones pg-types knows.
  const types = await db.query<{ oid: number }>(
    'SELECT oid FROM pg_catalog.pg_type WHERE oid < 16384',
  );
  for (const { oid } of types.rows) {
    db.parsers[oid] = (text: string): unknown => pgParser(oid)(text);
  }
}

/**
 * Takes the directory's lock file, so that no second PGlite — which would run a second Postgres
 * on the same files and corrupt them — opens it while this one is open, in this process or
 * another. A lock left by a process that is gone (it crashed or was killed) is taken over:
 * Postgres recovers from its WAL on open. The file holds the pid alone, as it always has.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lock = await DirectoryLock.acquire(dir, {
    fileName: PGLITE_LOCK_FILE,
    format: 'pid',
    refused: catalogLockRefused,
  });
  return () => lock.release();
}

function catalogLockRefused(refusal: LockRefusal): Error {
  switch (refusal.kind) {
    case 'held':
      return new Error(
        `catalog data directory ${refusal.dir} is in use by process ${refusal.pid} ` +
          `(if no such process is running, delete ${refusal.file})`,
      );
    case 'this-process':
      return new Error(`catalog data directory ${refusal.dir} is already open here`);
    case 'contended':
      return new Error(
        `catalog data directory ${refusal.dir}: its lock file ${refusal.file} kept changing`,
      );
  }
}
