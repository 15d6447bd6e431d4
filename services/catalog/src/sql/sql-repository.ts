import { Code, RpcError } from '@huedb/grpc';
import { isDataException, type SqlExecutor, type SqlParam } from './sql-driver.js';

/**
 * A timestamp column as Unix milliseconds in decimal text: drivers disagree on how they parse
 * timestamps and int8, so every SELECT casts them to text.
 */
export const ms = (column: string): string =>
  `floor(extract(epoch FROM ${column}) * 1000)::int8::text`;

/**
 * What every repository shares: the one path all of the catalog's statements take. A value the
 * database cannot hold (SQLSTATE class 22, e.g. a NUL character in a name) is the request's fault
 * and becomes INVALID_ARGUMENT here; every other error propagates (unique violations included: the
 * caller knows which name was taken). Methods answer "not there" with undefined and let the
 * service decide what that means.
 */
export abstract class SqlRepository {
  /** On a driver, or on one transaction's executor (see CatalogRepositories.transaction). */
  constructor(private readonly sql: SqlExecutor) {}

  protected async q<R extends object>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    try {
      return await this.sql.query<R>(sql, params);
    } catch (err) {
      if (isDataException(err)) {
        throw new RpcError(
          Code.INVALID_ARGUMENT,
          // The driver's text names internals (encodings, types, columns): it stays out of the
          // message, which reaches clients. The likely cause a client can act on is a NUL
          // character, which Postgres text cannot hold.
          "value rejected by the catalog's database (names and metadata cannot contain NUL characters)",
        );
      }
      throw err;
    }
  }

  protected async one<R extends object>(
    sql: string,
    params: readonly SqlParam[] = [],
  ): Promise<R | undefined> {
    const rows = await this.q<R>(sql, params);
    return rows[0];
  }
}
