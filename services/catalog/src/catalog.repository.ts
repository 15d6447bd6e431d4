import { CollectionRepository } from './collection.repository.js';
import { DatabaseRepository } from './database.repository.js';
import { ForkRepository } from './fork.repository.js';
import { MemberRepository } from './member.repository.js';
import { SegmentRepository } from './segment.repository.js';
import type { SqlDriver, SqlExecutor } from './sql/sql-driver.js';
import { SqlRepository } from './sql/sql-repository.js';
import { TenantRepository } from './tenant.repository.js';
import { UsageRepository } from './control/usage.repository.js';

/** The id of Chroma's `default_database` (fixed, as in Chroma). */
export const DEFAULT_DATABASE_ID = '00000000-0000-0000-0000-000000000000';
/** The tenant that always exists. */
export const DEFAULT_TENANT = 'default_tenant';
/** The database that always exists in {@link DEFAULT_TENANT}. */
export const DEFAULT_DATABASE = 'default_database';

/**
 * The catalog's repositories, one per aggregate, all on one executor: the driver, or inside
 * {@link transaction} one transaction's. A rule that spans aggregates (DeleteDatabase marks the
 * database and its collections; RegisterCompaction locks the collection and adds a version) takes
 * them from the same `tx`, so they commit or roll back together.
 */
export class CatalogRepositories {
  readonly tenants: TenantRepository;
  readonly databases: DatabaseRepository;
  readonly collections: CollectionRepository;
  readonly forks: ForkRepository;
  readonly segments: SegmentRepository;
  readonly members: MemberRepository;
  readonly admin: AdminRepository;
  /** The control plane's usage tables: a compaction meters in the transaction that registers it. */
  readonly usage: UsageRepository;

  constructor(private readonly sql: SqlDriver | SqlExecutor) {
    this.tenants = new TenantRepository(sql);
    this.databases = new DatabaseRepository(sql);
    this.collections = new CollectionRepository(sql);
    this.forks = new ForkRepository(sql);
    this.segments = new SegmentRepository(sql);
    this.members = new MemberRepository(sql);
    this.admin = new AdminRepository(sql);
    this.usage = new UsageRepository(sql);
  }

  /** Runs `fn` with repositories bound to one transaction (see SqlDriver.transaction). */
  transaction<T>(fn: (tx: CatalogRepositories) => Promise<T>): Promise<T> {
    const sql = this.sql;
    if (!('transaction' in sql)) throw new Error('nested transactions are not supported');
    return sql.transaction((tx) => fn(new CatalogRepositories(tx)));
  }
}

/** What spans every table: Reset. */
export class AdminRepository extends SqlRepository {
  /**
   * Deletes every tenant, database, collection and segment version (members stay: they are live
   * processes, not data) and reseeds the defaults exactly as migration 0002 does. What belongs to
   * a tenant in the control plane (memberships, API keys, invites, its plan) goes with the tenants, and the
   * keys' change counter records a flush so gateways drop their key caches, and the metered usage
   * goes too, and the idempotency keys with their answers. Users, their sessions and the audit log stay: they are not a tenant's data (and the
   * audit log is append-only).
   */
  async resetData(): Promise<void> {
    await this.q(
      `TRUNCATE segment_versions, collections, databases, memberships, api_keys, email_tokens,
                tenant_plans, usage_hourly, usage_reporters, idempotency_keys, tenants
       RESTART IDENTITY`,
    );
    await this.q(`UPDATE api_key_version SET version = version + 1, flushed_version = version + 1`);
    await this.q(`INSERT INTO tenants (name) VALUES ($1) ON CONFLICT DO NOTHING`, [DEFAULT_TENANT]);
    await this.q(
      `INSERT INTO databases (id, tenant, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [DEFAULT_DATABASE_ID, DEFAULT_TENANT, DEFAULT_DATABASE],
    );
  }
}
