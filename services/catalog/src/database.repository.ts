import { SqlRepository } from './sql/sql-repository.js';

/** A live `databases` row. */
export interface DatabaseRow {
  id: string;
  name: string;
  tenant: string;
}

/** Where a tenant/database pair leads: whether the tenant exists, and the live database if any. */
export interface Scope {
  tenantExists: boolean;
  database: DatabaseRow | undefined;
}

/** The `databases` table. */
export class DatabaseRepository extends SqlRepository {
  /** Resolves a tenant and one of its live databases in one round trip. */
  async findScope(tenant: string, database: string): Promise<Scope> {
    const row = await this.one<{ tenant: string; id: string | null; name: string | null }>(
      `SELECT t.name AS tenant, d.id::text AS id, d.name
         FROM tenants t
         LEFT JOIN databases d ON d.tenant = t.name AND d.name = $2 AND d.deleted_at IS NULL
        WHERE t.name = $1`,
      [tenant, database],
    );
    if (!row) return { tenantExists: false, database: undefined };
    return {
      tenantExists: true,
      database:
        row.id !== null && row.name !== null ? { id: row.id, name: row.name, tenant } : undefined,
    };
  }

  /** Inserts a database; undefined when the tenant already has a live one with that name. */
  async insert(id: string, tenant: string, name: string): Promise<DatabaseRow | undefined> {
    return this.one<DatabaseRow>(
      `INSERT INTO databases (id, tenant, name) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, name) WHERE deleted_at IS NULL DO NOTHING
       RETURNING id::text AS id, name, tenant`,
      [id, tenant, name],
    );
  }

  /** A tenant's live databases in creation order. `limit` null = all. */
  async list(tenant: string, limit: number | null, offset: number): Promise<DatabaseRow[]> {
    return this.q<DatabaseRow>(
      `SELECT id::text AS id, name, tenant FROM databases
        WHERE tenant = $1 AND deleted_at IS NULL
        ORDER BY seq LIMIT $2 OFFSET $3`,
      [tenant, limit, offset],
    );
  }

  /** Marks a live database deleted; false when it was not live. */
  async softDelete(id: string): Promise<boolean> {
    const rows = await this.q(
      `UPDATE databases SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Takes a share lock on a live database, held until the transaction ends; false when it is not
   * live. A DeleteDatabase marks the row first, so it waits for the lock holder (or the holder
   * sees the database deleted).
   */
  async lockLive(id: string): Promise<boolean> {
    const rows = await this.q(
      `SELECT 1 FROM databases WHERE id = $1 AND deleted_at IS NULL FOR SHARE`,
      [id],
    );
    return rows.length > 0;
  }
}
