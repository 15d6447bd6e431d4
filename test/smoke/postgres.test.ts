import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInfra, uniqueName } from '@huedb/testing';

describe('Postgres (real server)', () => {
  let admin: pg.Client;
  let client: pg.Client;
  const database = uniqueName('smoke');

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: getInfra().postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(getInfra().postgresUrl);
    url.pathname = `/${database}`;
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  it('round-trips rows through a transaction and enforces constraints', async () => {
    await client.query(
      'CREATE TABLE items (id text PRIMARY KEY, payload jsonb NOT NULL, n bigint)',
    );
    await client.query('BEGIN');
    await client.query('INSERT INTO items VALUES ($1, $2, $3)', ['a', { k: [1, 2] }, 2n ** 40n]);
    await client.query('COMMIT');

    const { rows } = await client.query<{ id: string; payload: unknown; n: string }>(
      'SELECT id, payload, n FROM items',
    );
    expect(rows).toEqual([{ id: 'a', payload: { k: [1, 2] }, n: String(2n ** 40n) }]);

    await expect(client.query("INSERT INTO items VALUES ('a', '{}', 0)")).rejects.toMatchObject({
      code: '23505', // unique_violation
    });
  });

  it('rolls back an aborted transaction', async () => {
    await client.query('BEGIN');
    await client.query("INSERT INTO items VALUES ('b', '{}', 1)");
    await client.query('ROLLBACK');
    const { rows } = await client.query("SELECT count(*)::int AS n FROM items WHERE id = 'b'");
    expect(rows[0]).toEqual({ n: 0 });
  });
});
