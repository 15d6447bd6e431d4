import { SqlRepository } from './sql/sql-repository.js';

/** A `tenants` row. */
export interface TenantRow {
  name: string;
  resource_name: string | null;
}

/** The `tenants` table. */
export class TenantRepository extends SqlRepository {
  /** Inserts a tenant; undefined when the name is taken. */
  async insert(name: string): Promise<TenantRow | undefined> {
    return this.one<TenantRow>(
      `INSERT INTO tenants (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name, resource_name`,
      [name],
    );
  }

  async find(name: string): Promise<TenantRow | undefined> {
    return this.one<TenantRow>(`SELECT name, resource_name FROM tenants WHERE name = $1`, [name]);
  }

  /** Sets the resource name; undefined when the tenant does not exist. Throws on a taken name. */
  async setResourceName(name: string, resourceName: string): Promise<TenantRow | undefined> {
    return this.one<TenantRow>(
      `UPDATE tenants SET resource_name = $2 WHERE name = $1 RETURNING name, resource_name`,
      [name, resourceName],
    );
  }

  /**
   * Locks the tenant's row until the transaction ends (FOR UPDATE) and counts its live
   * collections, forks included; undefined when there is no such tenant. What a create under a
   * collections limit runs first, so concurrent creates of one tenant take turns and never pass
   * the limit together.
   */
  async lockAndCountCollections(name: string): Promise<number | undefined> {
    if (!(await this.lock(name))) return undefined;
    const row = await this.one<{ n: string }>(
      `SELECT count(*)::text AS n FROM collections c JOIN databases d ON d.id = c.database_id
       WHERE d.tenant = $1 AND d.deleted_at IS NULL AND c.deleted_at IS NULL`,
      [name],
    );
    return Number(row!.n);
  }

  /** As {@link lockAndCountCollections}, for the tenant's live databases. */
  async lockAndCountDatabases(name: string): Promise<number | undefined> {
    if (!(await this.lock(name))) return undefined;
    const row = await this.one<{ n: string }>(
      `SELECT count(*)::text AS n FROM databases WHERE tenant = $1 AND deleted_at IS NULL`,
      [name],
    );
    return Number(row!.n);
  }

  private async lock(name: string): Promise<boolean> {
    const row = await this.one(`SELECT 1 FROM tenants WHERE name = $1 FOR UPDATE`, [name]);
    return row !== undefined;
  }
}
