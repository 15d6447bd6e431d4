/**
 * The catalog's only way to reach SQL. Two implementations: `pg` (a connection pool, for the
 * distributed deployment) and PGlite (embedded Postgres in WASM with ONE connection, for
 * single-node mode); test/sql-driver.conformance.ts is what both must do alike. To keep them
 * interchangeable the interface carries no session state: every call outside `transaction` may
 * run on a different connection, and nothing relies on LISTEN/NOTIFY, session-level advisory
 * locks, temporary tables or prepared statements surviving a call.
 */

/**
 * A bind parameter. Deliberately narrow so both drivers serialize it the same way: pass int64
 * values as decimal strings and cast in SQL (`$1::int8`), JSON as text (`$1::jsonb`).
 */
export type SqlParam = string | number | boolean | null;

/** Runs statements, on a pool or inside one transaction. */
export interface SqlExecutor {
  /**
   * Runs ONE statement with positional parameters (`$1`, `$2`, ...) and returns its rows. Column
   * values arrive as the driver parses them; cast anything whose parsed type differs between
   * drivers (int8, numeric, timestamps, json) to text in SQL.
   */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly SqlParam[],
  ): Promise<R[]>;
  /** Runs a script of one or more statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** A connection to the catalog's database. */
export interface SqlDriver extends SqlExecutor {
  /**
   * Runs `fn` inside one transaction (READ COMMITTED) on one connection: commits when it resolves,
   * rolls back and rethrows when it rejects. When a statement failed inside and `fn` resolved
   * anyway, Postgres rolls back instead of committing and this rejects with SQLSTATE 25P02.
   * `fn` must use only the executor it is given; a single-connection driver refuses calls on
   * the driver itself from inside `fn` (they would wait for `fn` forever).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Releases every connection once the calls in progress are done. Later calls fail. */
  close(): Promise<void>;
}

/** The SQLSTATE of a database error (both `pg` and PGlite expose it as `code`), if any. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** SQLSTATE 23505: a unique constraint or index rejected the row. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505';
}

/**
 * SQLSTATE class 22 (data exception): a value the column cannot hold, e.g. a NUL character in
 * text or an out-of-range number. Caused by the request, not by the catalog.
 */
export function isDataException(err: unknown): boolean {
  return sqlState(err)?.startsWith('22') ?? false;
}
