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
}
