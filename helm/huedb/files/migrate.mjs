/* global console, process, setTimeout */
// The migrations Job (a Helm hook): brings the catalog's Postgres schema up to date with the very
// code the catalog runs at start (@huedb/catalog's migrate, under its advisory lock, so a catalog
// starting meanwhile is safe), then exits. Waits for Postgres to accept connections first: on a
// fresh install the database may still be starting. HUEDB_POSTGRES_URL has no password: pg reads
// PGPASSWORD, which comes from the Secret.
const { PgSqlDriver, loadMigrations, migrate } =
  await import('/app/node_modules/@huedb/catalog/dist/index.js');
const RETRYABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  '57P03',
]);
const migrations = await loadMigrations();
for (let attempt = 1; ; attempt++) {
  const driver = new PgSqlDriver({
    connectionString: process.env.HUEDB_POSTGRES_URL,
    maxConnections: 1,
  });
  try {
    const report = await migrate(driver, migrations);
    console.log(
      JSON.stringify({ msg: `schema at version ${report.current}`, applied: report.applied }),
    );
    await driver.close();
    break;
  } catch (err) {
    await driver.close().catch(() => {});
    if (!RETRYABLE.has(err?.code)) throw err;
    console.log(
      JSON.stringify({ msg: `Postgres not reachable yet (${err.code}), attempt ${attempt}` }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
