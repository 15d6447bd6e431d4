import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDataException, isUniqueViolation, sqlState, type SqlDriver } from '../src/index.js';

/** How a conformance run gets a driver on an empty database, and gives it back. */
export interface DriverFixture {
  driver: SqlDriver;
  /**
   * Whether the driver runs calls concurrently (a pool: another caller's statement runs while a
   * transaction is open) or one at a time (a single connection: it waits for the transaction).
   */
  concurrent: boolean;
  dispose(): Promise<void>;
}

/** Polls `condition` until it holds; rejects naming `what` after `timeoutMs`. */
async function until(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The behaviour the catalog relies on from every SqlDriver (pg, PGlite): one suite, run against
 * each implementation.
 */
export function describeSqlDriverConformance(
  name: string,
  open: () => Promise<DriverFixture>,
): void {
  describe(`SqlDriver conformance: ${name}`, () => {
    let fixture: DriverFixture;
    let db: SqlDriver;

    beforeAll(async () => {
      fixture = await open();
      db = fixture.driver;
      await db.exec(`
        CREATE TABLE items (id text PRIMARY KEY, n bigint NOT NULL, doc jsonb);
        CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL);
        INSERT INTO counters VALUES (1, 0);
      `);
    });

    afterAll(async () => {
      await fixture?.dispose();
    });

    it('runs a multi-statement script with exec', async () => {
      await db.exec(
        `INSERT INTO items VALUES ('s1', 1, NULL); INSERT INTO items VALUES ('s2', 2, NULL);`,
      );
      const rows = await db.query<{ id: string }>(
        `SELECT id FROM items WHERE id LIKE 's%' ORDER BY id`,
      );
      expect(rows.map((r) => r.id)).toEqual(['s1', 's2']);
    });

    it('binds every SqlParam type and returns rows', async () => {
      const rows = await db.query<{
        s: string;
        i: number;
        b: boolean;
        n: string | null;
        big: string;
      }>(
        `SELECT $1::text AS s, $2::int AS i, $3::boolean AS b, $4::text AS n,
                ($5::int8 + 1)::text AS big`,
        ['x', 42, true, null, '9223372036854775806'],
      );
      expect(rows).toEqual([{ s: 'x', i: 42, b: true, n: null, big: '9223372036854775807' }]);
    });

    it('parses result columns as pg does', async () => {
      const [row] = await db.query(
        `SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS i8, 1.50::numeric AS num,
                0.5::float4 AS f4, 0.25::float8 AS f8, true AS b, 'x'::text AS t,
                '5b3f2a52-9d1e-4c4e-8f0a-2d1c3b4a5e6f'::uuid AS u, '{"a":[1,2.0]}'::jsonb AS jb,
                '{"a":1}'::json AS j, '2024-01-02T03:04:05.678Z'::timestamptz AS ts,
                ARRAY[1,2]::int8[] AS i8s, ARRAY['a','b'] AS texts, NULL::int AS nothing,
                '\\x0102'::bytea AS bytes, '1 day'::interval::text AS iv`,
      );
      const { bytes, ...rest } = row!;
      expect(rest).toEqual({
        i2: 1,
        i4: 2,
        // int8 and numeric as text: a JS number would lose precision.
        i8: '9007199254740993',
        num: '1.50',
        f4: 0.5,
        f8: 0.25,
        b: true,
        t: 'x',
        u: '5b3f2a52-9d1e-4c4e-8f0a-2d1c3b4a5e6f',
        jb: { a: [1, 2] },
        j: { a: 1 },
        ts: new Date('2024-01-02T03:04:05.678Z'),
        i8s: ['1', '2'],
        texts: ['a', 'b'],
        nothing: null,
        iv: '1 day',
      });
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect([...(bytes as Buffer)]).toEqual([1, 2]);
    });

    it('sends parameters as text for Postgres to parse, as pg does', async () => {
      const rows = await db.query(
        `SELECT $1::boolean AS yes, $2::boolean AS prefix, $3::boolean AS one, $4::bytea::text AS bytes,
                $5::text AS num, $6::jsonb::text AS doc, $7::text AS flag, $8::float8 AS f`,
        [true, 'tru', 1, '\\x0a0b', 1.5, 7, false, '-0.25'],
      );
      expect(rows).toEqual([
        {
          yes: true,
          prefix: true,
          one: true,
          bytes: '\\x0a0b',
          num: '1.5',
          doc: '7',
          flag: 'false',
          f: -0.25,
        },
      ]);
      const err = await db.query(`SELECT $1::boolean`, [2]).catch((e: unknown) => e);
      expect(sqlState(err)).toBe('22P02');
    });

    it('keeps jsonb numbers exactly as written when selected as text', async () => {
      await db.query(`INSERT INTO items VALUES ('j', 0, $1::jsonb)`, [
        '{"f":1.0,"i":9223372036854775807,"e":1e-7}',
      ]);
      const rows = await db.query<{ doc: string }>(
        `SELECT doc::text AS doc FROM items WHERE id = 'j'`,
      );
      expect(rows[0]!.doc).toBe('{"e": 0.0000001, "f": 1.0, "i": 9223372036854775807}');
    });

    it('commits a transaction that resolves', async () => {
      const out = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO items VALUES ('t1', 1, NULL)`);
        return 'done';
      });
      expect(out).toBe('done');
      expect(await db.query(`SELECT 1 FROM items WHERE id = 't1'`)).toHaveLength(1);
    });

    it('rolls back a transaction that rejects and rethrows its error', async () => {
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO items VALUES ('t2', 1, NULL)`);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db.query(`SELECT 1 FROM items WHERE id = 't2'`)).toHaveLength(0);
    });

    it('rolls back after a failed statement and stays usable', async () => {
      const err = await db
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO items VALUES ('t3', 1, NULL)`);
          await tx.query(`INSERT INTO items VALUES ('t3', 1, NULL)`);
        })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      expect(sqlState(err)).toBe('23505');
      expect(await db.query(`SELECT 1 FROM items WHERE id = 't3'`)).toHaveLength(0);
      expect(await db.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    });

    it('rejects with 25P02 when a statement failed in a transaction that then resolved', async () => {
      const err = await db
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO items VALUES ('t4', 1, NULL)`);
          await tx.query(`INSERT INTO items VALUES ('t4', 1, NULL)`).catch(() => undefined);
          return 'swallowed';
        })
        .catch((e: unknown) => e);
      expect(sqlState(err)).toBe('25P02');
      expect(await db.query(`SELECT 1 FROM items WHERE id = 't4'`)).toHaveLength(0);
    });

    it("never shows another caller a transaction's uncommitted writes", async () => {
      let inserted!: () => void;
      const afterInsert = new Promise<void>((resolve) => (inserted = resolve));
      let readDone = false;
      const read = afterInsert
        .then(() => db.query(`SELECT 1 FROM items WHERE id = 't5'`))
        .finally(() => (readDone = true));
      const tx = db
        .transaction(async (t) => {
          await t.query(`INSERT INTO items VALUES ('t5', 1, NULL)`);
          inserted();
          if (fixture.concurrent) {
            // A pool answers the outside read on another connection while this is open.
            await until('the outside read while the transaction is open', () => readDone);
          } else {
            // A single connection holds the read back until this transaction is over, however
            // many statements it still runs.
            for (let i = 0; i < 20; i++) await t.query(`SELECT 1`);
            expect(readDone).toBe(false);
          }
          throw new Error('roll back');
        })
        .catch((e: unknown) => e);
      const seen = await read;
      expect(seen).toHaveLength(0);
      expect(await tx).toBeInstanceOf(Error);
      expect(await db.query(`SELECT 1 FROM items WHERE id = 't5'`)).toHaveLength(0);
    });

    it('reports data exceptions with their SQLSTATE class', async () => {
      const err = await db.query(`SELECT $1::int AS n`, ['not a number']).catch((e: unknown) => e);
      expect(isDataException(err)).toBe(true);
      const nul = await db
        .query(`INSERT INTO items VALUES ($1, 1, NULL)`, ['a\u0000b'])
        .catch((e: unknown) => e);
      expect(isDataException(nul)).toBe(true);
    });

    it('serializes concurrent read-modify-write transactions under a row lock', async () => {
      await Promise.all(
        Array.from({ length: 8 }, () =>
          db.transaction(async (tx) => {
            const [row] = await tx.query<{ value: number }>(
              `SELECT value FROM counters WHERE id = 1 FOR UPDATE`,
            );
            await tx.query(`UPDATE counters SET value = $1 WHERE id = 1`, [row!.value + 1]);
          }),
        ),
      );
      expect(await db.query(`SELECT value FROM counters WHERE id = 1`)).toEqual([{ value: 8 }]);
    });

    it('holds a transaction-scoped advisory lock until commit', async () => {
      const order: string[] = [];
      const holders = ['a', 'b', 'c'];
      await Promise.all(
        holders.map((who) =>
          db.transaction(async (tx) => {
            await tx.query(`SELECT pg_advisory_xact_lock(4242)`);
            order.push(`${who}+`);
            if (fixture.concurrent) {
              // Hold the lock until every holder still to come is waiting for it (pg_locks),
              // so a lock that did not exclude them would let them in now.
              const waiting = holders.length - order.filter((o) => o.endsWith('+')).length;
              await until(`${waiting} transactions waiting for the advisory lock`, async () => {
                const [row] = await db.query<{ n: number }>(
                  `SELECT count(*)::int AS n FROM pg_locks
                    WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted`,
                );
                return row!.n >= waiting;
              });
            }
            order.push(`${who}-`);
          }),
        ),
      );
      expect(order).toHaveLength(6);
      // Each holder finishes before the next one starts.
      for (let i = 0; i < order.length; i += 2) {
        expect(order[i]!.slice(0, 1)).toBe(order[i + 1]!.slice(0, 1));
      }
    });
  });
}
