import pg from 'pg';
import type { SqlDriver, SqlExecutor, SqlParam } from './sql-driver.js';

/** Options of {@link PgSqlDriver}. */
export interface PgSqlDriverOptions {
  /** A Postgres URL (`postgres://user:password@host:port/database`). */
  connectionString: string;
  /** Connections in the pool. Default 10. */
  maxConnections?: number;
  /** Called with errors of idle pooled connections (e.g. the server restarted). */
  onIdleError?: (err: Error) => void;
}

/** {@link SqlDriver} on a `pg` connection pool (the distributed deployment's catalog). */
export class PgSqlDriver implements SqlDriver {
  private readonly pool: pg.Pool;

  constructor(options: PgSqlDriverOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
    });
    // An idle connection that dies (server restart, network) emits 'error' on the pool; without a
    // listener that would crash the process. The pool drops the connection and opens a new one.
    this.pool.on('error', (err) => options.onIdleError?.(err));
  }

  async query<R extends object = Record<string, unknown>>(
    sql: string,
    params: readonly SqlParam[] = [],
  ): Promise<R[]> {
    const result = await this.pool.query<R>(sql, params as SqlParam[]);
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(script);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(clientExecutor(client));
      const commit = await client.query('COMMIT');
      // In a transaction that a failed statement aborted (and `fn` swallowed the error), Postgres
      // answers COMMIT by rolling back, without an error: report it as PGlite does, or the caller
      // would take work that was rolled back for committed.
      if (commit.command === 'ROLLBACK') throw transactionAborted();
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection is unusable (it died mid-transaction): discard it rather than return a
        // connection in an unknown state to the pool.
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function transactionAborted(): Error {
  return Object.assign(new Error('Transaction was rolled back instead of committed'), {
    code: '25P02',
  });
}

function clientExecutor(client: pg.PoolClient): SqlExecutor {
  return {
    async query<R extends object>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
      const result = await client.query<R>(sql, params as SqlParam[]);
      return result.rows;
    },
    async exec(script: string): Promise<void> {
      await client.query(script);
    },
  };
}
