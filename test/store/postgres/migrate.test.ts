import { describePostgres } from '../../helpers/postgres';
import { migratePostgres } from '../../../src/store/postgres/migrate';
import { PG_MIGRATIONS, type PgMigration } from '../../../src/store/postgres/migrations';

describePostgres('PostgreSQL migrations', (pg) => {
  it('five instances migrating one schema at once apply each migration exactly once, without error', async () => {
    // A migration that fails if it runs twice (no IF NOT EXISTS), and one slow enough for the others to queue.
    const migrations: PgMigration[] = [
      ...PG_MIGRATIONS,
      { version: 100, name: 'slow', sql: 'SELECT pg_sleep(0.2); CREATE TABLE applied_log (n int)' },
      { version: 101, name: 'counts', sql: 'INSERT INTO applied_log VALUES (101)' },
    ];
    const pools = Array.from({ length: 5 }, () => pg.createPool({ poolSize: 1 }));
    const results = await Promise.all(pools.map((pool) => migratePostgres(pool, { logger: pg.logger, migrations })));
    const applied = results.flatMap((r) => r.applied).sort((a, b) => a - b);
    expect(applied).toEqual(migrations.map((m) => m.version));
    expect(results.every((r) => r.current === 101)).toBe(true);
    const rows = await pools[0]!.query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows.rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    expect((await pools[0]!.query('SELECT n FROM applied_log')).rows).toEqual([{ n: 101 }]);
    // Again: nothing to do.
    expect(await migratePostgres(pools[1]!, { logger: pg.logger, migrations })).toEqual({ applied: [], current: 101 });
    // No session-level advisory lock is left behind (transaction-level locks end with their transaction).
    const locks = await pg.adminQuery("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(locks[0]!.n).toBe(0);
  });

  it('a failing migration leaves nothing half-applied, and the next start retries it', async () => {
    const pool = pg.createPool({ poolSize: 1 });
    await pool.query('CREATE SCHEMA IF NOT EXISTS ' + pg.schema + '_b');
    const other = pg.createPool({ poolSize: 1, options: `-c search_path=${pg.schema}_b` });
    try {
      const broken: PgMigration[] = [{ version: 1, name: 'half', sql: 'CREATE TABLE half_done (n int); SELECT * FROM no_such_table' }];
      await expect(migratePostgres(other, { logger: pg.logger, migrations: broken })).rejects.toMatchObject({ code: '42P01' });
      expect((await other.query("SELECT to_regclass('half_done') AS t")).rows[0].t).toBeNull();
      const fixed: PgMigration[] = [{ version: 1, name: 'half', sql: 'CREATE TABLE half_done (n int)' }];
      expect(await migratePostgres(other, { logger: pg.logger, migrations: fixed })).toEqual({ applied: [1], current: 1 });
    } finally {
      await pool.query(`DROP SCHEMA ${pg.schema}_b CASCADE`);
    }
  });
});
