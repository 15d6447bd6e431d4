import { PgSqlDriver } from '../src/index.js';
import { describeSqlDriverConformance } from './sql-driver.conformance.js';
import { createTestDatabase } from './support/postgres.js';

describeSqlDriverConformance('pg pool', async () => {
  const database = await createTestDatabase('catalog_driver');
  const driver = new PgSqlDriver({ connectionString: database.url, maxConnections: 4 });
  return {
    driver,
    concurrent: true,
    dispose: async () => {
      await driver.close();
      await database.drop();
    },
  };
});
