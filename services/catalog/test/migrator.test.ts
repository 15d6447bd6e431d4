import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_ID, loadMigrations, migrate, type Migration } from '../src/index.js';
import { DRIVER_KINDS, testDatabases, type TestDriver } from './support/drivers.js';

describe.each(DRIVER_KINDS)('migrations on %s', (kind) => {
  const databases = testDatabases(kind);
  let migrations: Migration[];

  const freshDriver = (prefix: string): Promise<TestDriver> => databases.fresh(prefix);

  beforeAll(async () => {
    migrations = await loadMigrations();
  });
  // Every version, and the newest: the tests below hold for any number of migrations.
  const all = () => migrations.map((m) => m.version);
  const latest = () => migrations.at(-1)!.version;

  afterAll(async () => {
    await databases.dispose();
  });

  it('loads the numbered files in order', () => {
    expect(migrations.map((m) => `${m.version}_${m.name}`)).toEqual([
      '1_catalog_schema',
      '2_seed_defaults',
      '3_forks',
      '4_control_plane',
      '5_rate_limits',
      '6_tenant_plans',
      '7_usage',
      '8_idempotency_keys',
    ]);
  });

  it('applies every migration once; a second run is a no-op', async () => {
    const { driver } = await freshDriver('catalog_migrate');
    const first = await migrate(driver, migrations);
    expect(first).toEqual({ applied: all(), current: latest() });
    const second = await migrate(driver, migrations);
    expect(second).toEqual({ applied: [], current: latest() });

    const tables = await driver.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      'api_key_version',
      'api_keys',
      'audit_log',
      'collections',
      'databases',
      'email_tokens',
      'huedb_schema_migrations',
      'idempotency_keys',
      'members',
      'memberships',
      'rate_limits',
      'segment_versions',
      'sessions',
      'tenant_plans',
      'tenants',
      'usage_hourly',
      'usage_reporters',
      'users',
    ]);
    expect(await driver.query(`SELECT name, resource_name FROM tenants`)).toEqual([
      { name: 'default_tenant', resource_name: null },
    ]);
    expect(await driver.query(`SELECT id::text AS id, tenant, name FROM databases`)).toEqual([
      { id: DEFAULT_DATABASE_ID, tenant: 'default_tenant', name: 'default_database' },
    ]);
  });

  // On pg each replica is a pool of its own; PGlite's replicas share its one connection.
  it('lets concurrent migrators (as replicas) apply each migration exactly once', async () => {
    const database = await freshDriver('catalog_migrate_race');
    const drivers = Array.from({ length: 5 }, () => database.replica());
    const reports = await Promise.all(drivers.map((d) => migrate(d, migrations)));
    expect(reports.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(all());
    expect(reports.every((r) => r.current === latest())).toBe(true);
    const recorded = await drivers[0]!.query<{ version: number }>(
      `SELECT version FROM huedb_schema_migrations ORDER BY version`,
    );
    expect(recorded.map((r) => r.version)).toEqual(all());
    expect(await drivers[0]!.query(`SELECT count(*)::int AS n FROM databases`)).toEqual([{ n: 1 }]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const { driver } = await freshDriver('catalog_migrate_edit');
    await migrate(driver, migrations);
    const edited = migrations.map((m) =>
      m.version === 2 ? { ...m, sql: `${m.sql}\n-- edit` } : m,
    );
    await expect(migrate(driver, edited)).rejects.toThrow(/2_seed_defaults was changed/);
  });

  it('rolls a failing migration back entirely and resumes after a fix', async () => {
    const { driver } = await freshDriver('catalog_migrate_fail');
    const broken: Migration = {
      version: latest() + 1,
      name: 'broken',
      sql: `CREATE TABLE half_done (id int); SELECT no_such_function();`,
    };
    await expect(migrate(driver, [...migrations, broken])).rejects.toThrow(/no_such_function/);
    // The real ones stay applied; the broken one left no trace.
    expect(
      await driver.query(`SELECT version FROM huedb_schema_migrations ORDER BY version`),
    ).toEqual(all().map((version) => ({ version })));
    expect(await driver.query(`SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);

    const fixed = { ...broken, sql: `CREATE TABLE half_done (id int);` };
    expect(await migrate(driver, [...migrations, fixed])).toEqual({
      applied: [broken.version],
      current: broken.version,
    });
  });
});
